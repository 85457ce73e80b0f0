"""The registry-economy model: parameters, scenarios, the Mesa model and `run()`."""

from model.model import RegistryModel
from model.parameters import ModelParameters, ParameterError, make_parameters
from model.runner import RunResult, run
from model.scenarios import Scenario, load_scenario, preset_names

__all__ = [
    "ModelParameters",
    "ParameterError",
    "RegistryModel",
    "RunResult",
    "Scenario",
    "load_scenario",
    "make_parameters",
    "preset_names",
    "run",
]
