"""Experiment specs: a TOML file that says what to vary, how to sample it and what to keep.

The spec is validated in full before anything runs; every error is one line naming the key.
See `docs/experiments.md` for the format and `experiments/specs/` for examples.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.metrics import check_outcome
from model.parameters import ModelParameters, ParameterError
from model.scenarios import Scenario, load_scenario

BASELINE = "baseline"
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a folder name: no path separators, not '.' or '..'


class SpecError(ParameterError):
    """An experiment spec is invalid; the message is one line naming the key."""


Scalar = bool | int | float | str


class ParameterSpec(BaseModel):
    """One varied parameter: a list of values, or a range with a distribution."""

    model_config = ConfigDict(extra="forbid")

    values: list[Scalar] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    distribution: Literal["uniform", "loguniform"] = "uniform"
    levels: int | None = Field(None, ge=2, le=1000)

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterSpec:
        """Exactly one of `values` and `range`; a range must be increasing and positive for loguniform."""
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of 'values' (a list) or 'range' ([low, high])")
        if self.range is not None:
            low, high = self.range
            if not low < high:
                raise ValueError(f"'range' must be [low, high] with low < high (got {list(self.range)})")
            if self.distribution == "loguniform" and low <= 0:
                raise ValueError("a loguniform 'range' must be above 0")
        elif self.levels is not None:
            raise ValueError("'levels' applies only to a 'range'")
        return self


class DesignSpec(BaseModel):
    """How points are drawn: full factorial, Latin hypercube, Sobol (Saltelli) or Morris."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["full_factorial", "latin_hypercube", "sobol", "morris"] = "full_factorial"
    samples: int | None = Field(
        None,
        ge=2,
        le=1_000_000,
        description="Latin hypercube: points; Sobol: base samples N (a power of 2); Morris: trajectories.",
    )
    second_order: bool = Field(False, description="Sobol: also estimate second-order indices.")
    levels: int = Field(4, ge=2, le=100, description="Morris: grid levels.")


class OutcomesSpec(BaseModel):
    """Which outcomes to keep: final values and yearly series of named metrics."""

    model_config = ConfigDict(extra="forbid")

    final: list[str] = Field(default_factory=list)
    yearly: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> OutcomesSpec:
        """At least one outcome."""
        if not self.final and not self.yearly:
            raise ValueError("list at least one outcome in 'final' or 'yearly'")
        return self


class ExperimentSpec(BaseModel):
    """A whole experiment: base scenario, horizon, seeds, parameters, design, outcomes, policies."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    scenario: str = "status-quo"
    years: float = Field(gt=0, le=100)
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    seed_policy: Literal["common", "independent"] = Field(
        "common",
        description="common: replication r uses the same seed, so the same draws of every process a parameter does "
        "not act on, at every point and policy (common random numbers; docs/experiments.md, section 3); "
        "independent: each point gets its own seeds (policies still share them).",
    )
    fixed: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    design: DesignSpec = Field(default_factory=DesignSpec)
    outcomes: OutcomesSpec
    policies: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        """The name is a plain folder name, since the default output folder is results/sweeps/<name>."""
        if not PLAIN_NAME.fullmatch(name):
            raise ValueError(
                "must be a plain name (letters, digits, '.', '_' and '-', starting with a letter or digit; "
                f"it names the output folder results/sweeps/<name>), got {name!r}"
            )
        return name

    @property
    def policy_names(self) -> list[str]:
        """Baseline first, then the named policies (just the baseline when there are none)."""
        return [BASELINE, *self.policies]


class LoadedSpec:
    """A validated spec together with its resolved base scenario and source folder."""

    def __init__(self, spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
        """Keep the spec, the resolved scenario and where the spec came from."""
        self.spec = spec
        self.scenario = scenario
        self.origin = origin

    def canonical(self) -> dict[str, Any]:
        """The spec as plain JSON data, with the base scenario's resolved overrides."""
        return {
            "spec": self.spec.model_dump(mode="json"),
            "scenario_overrides": json.loads(json.dumps(self.scenario.overrides, default=str)),
        }

    def spec_hash(self) -> str:
        """SHA-256 of the canonical spec: two sweeps with the same hash run the same runs."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _key(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted key."""
    return ".".join(str(part) for part in loc if not str(part).startswith("function-after")) or "spec"


def _fail(origin: str, key: str, message: str) -> SpecError:
    """A one-line SpecError naming the spec and the key."""
    return SpecError(f"{origin}: key {key!r}: {message}")


def parse_spec(table: dict[str, Any], origin: str = "spec", base_dir: Path | None = None) -> LoadedSpec:
    """Validate a parsed spec table; resolve its scenario; check parameters, design, outcomes, policies."""
    try:
        spec = ExperimentSpec(**table)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif "input" in error and error["type"] not in ("value_error",):
            message = f"{message} (got {error['input']!r})"
        raise _fail(origin, _key(error["loc"]), message) from None
    scenario_ref = spec.scenario
    if base_dir is not None and (scenario_ref.endswith(".toml") and not Path(scenario_ref).is_absolute()):
        scenario_ref = str(base_dir / scenario_ref)
    try:
        scenario = load_scenario(scenario_ref)
    except ParameterError as exc:
        raise _fail(origin, "scenario", str(exc)) from None
    _check_fixed(spec, scenario, origin)
    _check_parameters(spec, scenario, origin)
    _check_design(spec, origin)
    _check_outcomes(spec, origin)
    _check_policies(spec, scenario, origin)
    return LoadedSpec(spec, scenario, origin)


def _check_fixed(spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
    """The fixed overrides must be valid parameters of the base scenario."""
    try:
        scenario.parameters(**spec.fixed)
    except ParameterError as exc:
        raise _fail(origin, "fixed", str(exc)) from None


def _check_parameters(spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
    """Each varied parameter exists, is not fixed, and each value (or range end) is allowed on its own."""
    for name, item in spec.parameters.items():
        key = f"parameters.{name}"
        if name not in ModelParameters.model_fields:
            raise _fail(origin, key, f"unknown parameter {name!r} (see `borrowed-time params`)")
        if name in spec.fixed:
            raise _fail(origin, key, "is also set in 'fixed'; vary it or fix it, not both")
        probes = item.values if item.values is not None else _range_ends(name, item.range)
        for value in probes:
            try:
                scenario.parameters(**{**spec.fixed, name: value})
            except ParameterError as exc:
                raise _fail(origin, f"{key}.{'values' if item.values is not None else 'range'}", str(exc)) from None
        if item.range is not None and spec.design.kind == "full_factorial" and item.levels is None:
            raise _fail(
                origin, f"{key}.levels", "a 'range' in a full_factorial design needs 'levels' (points on the range)"
            )


def _range_ends(name: str, bounds: tuple[float, float]) -> list[Any]:
    """A range's ends as the design draws them: rounded for a whole-number parameter."""
    from experiments.design import is_integer_parameter  # design builds on this module

    return [round(end) for end in bounds] if is_integer_parameter(name) else list(bounds)


def _check_design(spec: ExperimentSpec, origin: str) -> None:
    """Sampled designs need ranges and a sample count; Sobol needs a power of 2."""
    design = spec.design
    if design.kind == "full_factorial":
        if design.samples is not None:
            raise _fail(
                origin, "design.samples", "a full_factorial design takes no 'samples'; it runs every combination"
            )
        return
    if not spec.parameters:
        raise _fail(origin, "parameters", f"a {design.kind} design needs at least one parameter with a 'range'")
    if design.samples is None:
        raise _fail(origin, "design.samples", f"a {design.kind} design needs 'samples'")
    if design.kind in ("sobol", "morris"):
        for name, item in spec.parameters.items():
            if item.range is None:
                raise _fail(origin, f"parameters.{name}", f"a {design.kind} design needs a 'range', not 'values'")
    if design.kind == "sobol" and (design.samples & (design.samples - 1)) != 0:
        raise _fail(origin, "design.samples", f"Sobol base samples must be a power of 2 (got {design.samples})")


def _check_outcomes(spec: ExperimentSpec, origin: str) -> None:
    """Every outcome name is known."""
    for kind in ("final", "yearly"):
        names = getattr(spec.outcomes, kind)
        for index, name in enumerate(names):
            try:
                check_outcome(name, yearly=kind == "yearly")
            except ParameterError as exc:
                raise _fail(origin, f"outcomes.{kind}[{index}]", str(exc)) from None
        if len(set(names)) != len(names):
            raise _fail(origin, f"outcomes.{kind}", "lists an outcome twice")


def _check_policies(spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
    """Policies are named override tables that do not touch varied parameters."""
    for name, overrides in spec.policies.items():
        key = f"policies.{name}"
        if name == BASELINE:
            raise _fail(origin, key, f"{BASELINE!r} is the base scenario itself; give the policy another name")
        if not overrides:
            raise _fail(origin, key, "a policy needs at least one parameter = value")
        clash = sorted(set(overrides) & set(spec.parameters))
        if clash:
            raise _fail(origin, key, f"sets varied parameter {clash[0]!r}; a policy may not override the design")
        try:
            scenario.parameters(**{**spec.fixed, **overrides})
        except ParameterError as exc:
            raise _fail(origin, key, str(exc)) from None


def load_spec(path: str | Path) -> LoadedSpec:
    """Read and validate a spec file; errors are one line naming the file and key."""
    path = Path(path)
    origin = str(path)
    if not path.is_file():
        raise SpecError(f"spec file {origin!r} not found")
    try:
        table = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{origin}: malformed TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"spec file {origin!r} cannot be read ({exc.__class__.__name__})") from None
    return parse_spec(table, origin, path.parent)
