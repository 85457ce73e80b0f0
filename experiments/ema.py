"""EMA Workbench on this model: an EMA `Model` built from the parameter catalogue and named outcomes.

    from ema_workbench import perform_experiments
    from experiments.ema import ema_model

    model = ema_model(
        uncertainties={"fee_weight": (0.25, 4.0), "peer_weight": (0.5, 6.0)},
        levers={"per_package_fee_usd": (0.0, 40.0), "opex_budget_share": (0.05, 0.8)},
        outcomes={"share_developers_on_alternatives": "minimize", "insolvencies": "minimize"},
        years=3, fixed={"n_developers": 2000, "n_corporations": 400},
    )
    experiments, outcomes = perform_experiments(model, scenarios=20, policies=4)

Ranges and categories come from the parameter catalogue (`model/parameters.py`): a range given here
must lie within the parameter's allowed range, `None` takes the whole allowed range, a list gives
categories; booleans become EMA `BooleanParameter`s. Every evaluation runs `model.run` with common
random numbers: replication `r` uses `SeedSequence(seed, spawn_key=(r,))`, the rule of the sweep
runner, and an outcome is the mean over `replications` runs. EMA names must be Python identifiers,
so an outcome such as `npm.removal_median_hours.mean` is called `npm__removal_median_hours__mean`
in EMA (`ema_name`). EMA Workbench is an optional extra: `pip install 'borrowed-time[ema]'`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, TypeAdapter, ValidationError

from experiments.catalogue import outcome_info, parameter_bounds, parameter_types
from experiments.metrics import check_outcome, final_value
from model.parameters import ModelParameters, ParameterError
from model.scenarios import Scenario, load_scenario

Range = tuple[float, float] | Sequence[Any] | None
PESSIMISTIC_PERCENTILE = 90  # without a threshold: the 90th percentile of what is minimized (10th of what is maximized)


def ema_name(outcome: str) -> str:
    """An outcome name as an EMA name (a Python identifier): dots become double underscores."""
    return outcome.replace(".", "__")


class ModelFunction:
    """The model as EMA calls it: keyword inputs in, a dict of named final outcomes out (picklable)."""

    def __init__(
        self,
        scenario: Scenario,
        years: float,
        outcomes: Sequence[str],
        fixed: Mapping[str, Any] | None = None,
        seed: int = 0,
        replications: int = 1,
    ) -> None:
        """Keep what every evaluation shares: scenario, horizon, outcomes, fixed values, seed, replications."""
        self.scenario = scenario
        self.years = years
        self.outcomes = list(outcomes)
        self.fixed = dict(fixed or {})
        self.seed = seed
        self.replications = replications

    def __call__(self, **inputs: Any) -> dict[str, float]:
        """Run the model `replications` times with these inputs; return each outcome's mean, keyed by EMA name."""
        from model.runner import run

        values = {name: _plain(value) for name, value in inputs.items()}
        totals = dict.fromkeys(self.outcomes, 0.0)
        for replication in range(self.replications):
            seed = np.random.SeedSequence(self.seed, spawn_key=(replication,))
            result = run(self.scenario, years=self.years, seed=seed, **self.fixed, **values)
            for name in self.outcomes:
                totals[name] += final_value(name, result)
        return {ema_name(name): total / self.replications for name, total in totals.items()}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar the parameter catalogue accepts."""
    return value.item() if isinstance(value, np.generic) else value


def ema_parameter(name: str, values: Range = None, distribution: str = "uniform") -> Any:
    """An EMA parameter for a model parameter: real, integer, boolean or categorical, within its allowed range."""
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    if name not in ModelParameters.model_fields:
        raise ParameterError(f"unknown parameter {name!r} (see `borrowed-time params`)")
    kinds = parameter_types(name)
    if bool in kinds and values is None:
        return BooleanParameter(name)
    if values is not None and not (isinstance(values, tuple) and len(values) == 2):
        categories = list(values)
        for category in categories:
            check_value(name, category)
        return CategoricalParameter(name, categories)
    low, high = values if values is not None else _allowed_range(name)
    for end in (low, high):
        check_value(name, end)
    if int in kinds:
        return IntegerParameter(name, int(low), int(high))
    if distribution == "loguniform":
        from scipy import stats

        return RealParameter.from_dist(name, stats.loguniform(low, high))
    return RealParameter(name, float(low), float(high))


def _allowed_range(name: str) -> tuple[float, float]:
    """A parameter's whole allowed range, or a one-line error when it has no finite, closed one."""
    low, high = parameter_bounds(name)
    field = ModelParameters.model_fields[name]
    open_end = any(
        getattr(item, "gt", None) is not None or getattr(item, "lt", None) is not None for item in field.metadata
    )
    if low is None or high is None or open_end or not math.isfinite(high - low):
        raise ParameterError(f"parameter {name!r}: give a range (low, high); its allowed range is not a closed one")
    return low, high


def check_value(name: str, value: Any) -> None:
    """A one-line `ParameterError` when `value` is not allowed for parameter `name` on its own."""
    field = ModelParameters.model_fields[name]
    adapter = TypeAdapter(Annotated[field.annotation, *field.metadata], config=ConfigDict(strict=True))
    try:
        adapter.validate_python(value)
    except ValidationError:
        low, high = parameter_bounds(name)
        allowed = f" between {low:g} and {high:g}" if low is not None and high is not None else ""
        raise ParameterError(
            f"parameter {name!r} must be a {field.annotation.__name__}{allowed} (got {value!r})"
        ) from None


def ema_model(
    uncertainties: Mapping[str, Range] | None = None,
    levers: Mapping[str, Range] | None = None,
    outcomes: Mapping[str, str | None] | Sequence[str] = (),
    scenario: str | Scenario = "status-quo",
    years: float = 10.0,
    fixed: Mapping[str, Any] | None = None,
    seed: int = 0,
    replications: int = 1,
    name: str = "borrowed_time",
    distributions: Mapping[str, str] | None = None,
) -> Any:
    """An EMA Workbench `Model` of this model: uncertainties, levers and outcomes (minimize, maximize or None)."""
    from ema_workbench import Model, ScalarOutcome

    resolved = load_scenario(scenario)
    goals = outcomes if isinstance(outcomes, Mapping) else dict.fromkeys(outcomes)
    if not goals:
        raise ParameterError("give at least one outcome")
    for outcome, direction in goals.items():
        check_outcome(outcome, yearly=False)
        if direction not in (None, "minimize", "maximize"):
            raise ParameterError(f"outcome {outcome!r}: direction must be 'minimize', 'maximize' or None")
    resolved.parameters(**(fixed or {}))  # one-line error for a bad fixed value
    varied = [*(uncertainties or {}), *(levers or {})]
    twice = sorted({key for key in varied if varied.count(key) > 1 or key in (fixed or {})})
    if twice:
        raise ParameterError(f"parameter {twice[0]!r} is given twice (uncertainty, lever or fixed); give it once")
    distributions = dict(distributions or {})
    model = Model(name, function=ModelFunction(resolved, years, list(goals), fixed, seed, replications))
    model.uncertainties = [
        ema_parameter(key, value, distributions.get(key, "uniform")) for key, value in (uncertainties or {}).items()
    ]
    model.levers = [
        ema_parameter(key, value, distributions.get(key, "uniform")) for key, value in (levers or {}).items()
    ]
    kinds = {None: ScalarOutcome.INFO, "minimize": ScalarOutcome.MINIMIZE, "maximize": ScalarOutcome.MAXIMIZE}
    model.outcomes = [ScalarOutcome(ema_name(outcome), kind=kinds[direction]) for outcome, direction in goals.items()]
    return model


def model_from_spec(loaded: Any) -> Any:
    """The EMA `Model` of a sweep spec: its uncertainties and levers (ranges or values), goals and fixed values."""
    spec = loaded.spec

    def ranges(table: Mapping[str, Any]) -> dict[str, Range]:
        """A spec table's ranges as (low, high) and value lists as categories."""
        return {
            name: tuple(item.range) if item.range is not None else list(item.values) for name, item in table.items()
        }

    distributions = {name: item.distribution for name, item in {**spec.uncertainties, **spec.levers}.items()}
    goals = {name: spec.goals[name].direction if name in spec.goals else None for name in spec.outcomes.final}
    return ema_model(
        uncertainties=ranges(spec.uncertainties),
        levers=ranges(spec.levers),
        outcomes=goals,
        scenario=loaded.scenario,
        years=spec.years,
        fixed=spec.fixed,
        seed=spec.seed,
        replications=spec.replications,
        name=spec.name.replace("-", "_").replace(".", "_"),
        distributions=distributions,
    )


@dataclass(frozen=True)
class Objective:
    """One robustness objective: an outcome, how it is summarized over the scenarios, and its direction."""

    outcome: str
    direction: str  # minimize or maximize: the outcome's goal
    threshold: float | None

    @property
    def name(self) -> str:
        """The objective's EMA name."""
        return f"{ema_name(self.outcome)}__{'meets_goal' if self.threshold is not None else self.statistic}"

    @property
    def statistic(self) -> str:
        """The percentile over scenarios (pessimistic side) used without a threshold."""
        return f"p{PESSIMISTIC_PERCENTILE if self.direction == 'minimize' else 100 - PESSIMISTIC_PERCENTILE}"

    @property
    def kind(self) -> str:
        """What the MOEA does with the objective."""
        return "maximize" if self.threshold is not None else self.direction

    @property
    def label(self) -> str:
        """A readable description with its unit."""
        info = outcome_info(self.outcome)
        if self.threshold is not None:
            sign = "≤" if self.direction == "minimize" else "≥"
            name = info.axis_label.rsplit(" (", 1)[0].lower()
            return f"Scenarios with {name} {sign} {info.scale * self.threshold:g} {info.unit} (%)"
        return f"{info.axis_label.rsplit(' (', 1)[0]}, {self.statistic} over scenarios ({info.unit})"

    def __call__(self, values: np.ndarray) -> float:
        """The objective's value from one policy's outcome in every scenario."""
        values = np.asarray(values, dtype=float)
        if self.threshold is not None:
            meets = values <= self.threshold if self.direction == "minimize" else values >= self.threshold
            return float(np.mean(meets))
        return float(np.percentile(values, int(self.statistic[1:])))


class RobustFunction:
    """A policy's robustness: its lever values run in every scenario, summarized by the objectives (picklable)."""

    def __init__(
        self, function: ModelFunction, scenarios: Sequence[Mapping[str, Any]], objectives: Sequence[Objective]
    ):
        """Keep the model function, the scenarios (uncertainty values) and the objectives."""
        self.function = function
        self.scenarios = [dict(scenario) for scenario in scenarios]
        self.objectives = list(objectives)

    def __call__(self, **levers: Any) -> dict[str, float]:
        """Run the policy in every scenario; return each objective's value, keyed by its EMA name."""
        rows = [self.function(**scenario, **levers) for scenario in self.scenarios]
        return {o.name: o([row[ema_name(o.outcome)] for row in rows]) for o in self.objectives}


def robust_model(loaded: Any, scenarios: Sequence[Mapping[str, Any]], objectives: Sequence[Objective]) -> Any:
    """An EMA `Model` whose levers are the spec's and whose outcomes are robustness objectives over `scenarios`.

    EMA's `optimize(model, searchover="levers", ...)` then searches for robust policies with its MOEA. (EMA
    Workbench 3.0.0's own `robust_optimize` scores every policy of a generation on the outcomes of all
    of them, so each policy is scored here, in its own evaluation, on its own runs.)
    """
    from ema_workbench import Model, ScalarOutcome

    spec = loaded.spec
    base = model_from_spec(loaded)
    function = ModelFunction(
        loaded.scenario, spec.years, [o.outcome for o in objectives], spec.fixed, spec.seed, spec.replications
    )
    model = Model(f"{base.name}_robust", function=RobustFunction(function, scenarios, objectives))
    model.levers = list(base.levers)
    kinds = {"minimize": ScalarOutcome.MINIMIZE, "maximize": ScalarOutcome.MAXIMIZE}
    model.outcomes = [ScalarOutcome(o.name, kind=kinds[o.kind]) for o in objectives]
    return model


def samples_frame(samples: Any) -> Any:
    """An EMA `SampleCollection` (from a sampler) as a frame, one column per parameter, for a sweep's file design."""
    import pandas as pd

    return pd.DataFrame([dict(sample) for sample in samples])
