"""The registry-economy model: parameters, the registry catalogue, scenarios, the Mesa model, `run()` and `run_ensemble()`."""

from model.catalogue import REGISTRIES
from model.ensemble import EnsembleResult, run_ensemble
from model.model import RegistryModel
from model.parameters import ModelParameters, ParameterError, make_parameters
from model.profiles import RegistryCatalogue, RegistryEntry, RegistryProfile
from model.runner import RunResult, run
from model.scenarios import Scenario, load_scenario, preset_names

__all__ = [
    "REGISTRIES",
    "EnsembleResult",
    "ModelParameters",
    "ParameterError",
    "RegistryCatalogue",
    "RegistryEntry",
    "RegistryModel",
    "RegistryProfile",
    "RunResult",
    "Scenario",
    "load_scenario",
    "make_parameters",
    "preset_names",
    "run",
    "run_ensemble",
]
