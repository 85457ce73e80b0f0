"""The public Python API of batch experiments, in one place (documented in `docs/api.md`).

    from experiments.api import load_spec, plan_sweep, run_sweep, Sweep, analysis_tables

The model itself is `model.run` and `model.RegistryModel`. Everything here is also used by the
`borrowed-time sweep`, `analyze` and `search` commands; EMA Workbench helpers need the `[ema]` extra.
"""

from __future__ import annotations

from experiments.analysis import Sweep, analysis_tables, analyze, robustness_table, sensitivity_table, summary_table
from experiments.catalogue import outcome_info, parameter_info, units_table
from experiments.design import make_design, make_lever_points
from experiments.ema import ModelFunction, Objective, ema_model, ema_name, model_from_spec, robust_model, samples_frame
from experiments.estimate import estimate_sweep
from experiments.figures import Output, Stamp
from experiments.metrics import check_outcome, final_value, yearly_series
from experiments.spec import LoadedSpec, SpecError, load_spec, parse_spec
from experiments.store import read_units
from experiments.sweep import Plan, RunTask, SweepOutcome, execute_run, plan_sweep, run_sweep

__all__ = [
    "LoadedSpec",
    "ModelFunction",
    "Objective",
    "Output",
    "Plan",
    "RunTask",
    "SpecError",
    "Stamp",
    "Sweep",
    "SweepOutcome",
    "analysis_tables",
    "analyze",
    "check_outcome",
    "ema_model",
    "ema_name",
    "estimate_sweep",
    "execute_run",
    "final_value",
    "load_spec",
    "make_design",
    "make_lever_points",
    "model_from_spec",
    "outcome_info",
    "parameter_info",
    "parse_spec",
    "plan_sweep",
    "read_units",
    "robust_model",
    "robustness_table",
    "run_sweep",
    "samples_frame",
    "sensitivity_table",
    "summary_table",
    "units_table",
    "yearly_series",
]
