"""Experiment specs: a TOML file that says what is uncertain, which levers to try, how to sample both, what to keep.

As in exploratory modelling, a spec keeps apart the **uncertainties** (`[uncertainties.NAME]`, the
older spelling `[parameters.NAME]` means the same; sampled by `[design]` into scenarios) and the
**levers** (`[levers.NAME]` sampled by `[lever_design]`, and named `[policies.NAME]`), and can name
**goals** for outcomes (a direction and a satisficing threshold) that the robustness analysis uses.
A design may also come from a CSV or Parquet file (`kind = "file"`), for example one made by EMA
Workbench or SALib. The spec is validated in full before anything runs; every error is one line
naming the key. See `docs/experiments.md` for the format and `experiments/specs/` for examples.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from experiments.metrics import check_outcome
from model.parameters import ModelParameters, ParameterError
from model.scenarios import Scenario, load_scenario

BASELINE = "baseline"
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris", "file")
LEVER_DESIGNS = ("full_factorial", "latin_hypercube", "file")
FILE_SUFFIXES = (".csv", ".parquet", ".pq")
EMA_BOOKKEEPING = ("scenario", "policy", "model")  # columns of EMA Workbench's experiments frame that are not inputs
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
    """How scenarios are drawn: full factorial, Latin hypercube, Sobol (Saltelli), Morris, or rows of a file."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["full_factorial", "latin_hypercube", "sobol", "morris", "file"] = "full_factorial"
    samples: int | None = Field(
        None,
        ge=2,
        le=1_000_000,
        description="Latin hypercube: points; Sobol: base samples N (a power of 2); Morris: trajectories.",
    )
    second_order: bool = Field(False, description="Sobol: also estimate second-order indices.")
    levels: int = Field(4, ge=2, le=100, description="Morris: grid levels.")
    file: str | None = Field(None, min_length=1, description="kind = 'file': a CSV or Parquet file, one row a point.")


class LeverDesignSpec(BaseModel):
    """How policies are drawn from the levers: full factorial, Latin hypercube, or rows of a file."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["full_factorial", "latin_hypercube", "file"] = "full_factorial"
    samples: int | None = Field(None, ge=1, le=100_000, description="Latin hypercube: policies to draw.")
    file: str | None = Field(None, min_length=1, description="kind = 'file': a CSV or Parquet file, one row a policy.")


class GoalSpec(BaseModel):
    """What is good for one final outcome: its direction and, optionally, the threshold that counts as enough."""

    model_config = ConfigDict(extra="forbid")

    direction: Literal["minimize", "maximize"]
    threshold: float | None = Field(
        None, description="satisficing: at most this (minimize) or at least this (maximize), in model units."
    )


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
    uncertainties: dict[str, ParameterSpec] = Field(default_factory=dict)
    design: DesignSpec = Field(default_factory=DesignSpec)
    levers: dict[str, ParameterSpec] = Field(default_factory=dict)
    lever_design: LeverDesignSpec = Field(default_factory=LeverDesignSpec)
    outcomes: OutcomesSpec
    goals: dict[str, GoalSpec] = Field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = Field(default_factory=dict)

    _design_table: Any = PrivateAttr(default=None)  # kind = "file": the validated points, one column per uncertainty
    _lever_table: Any = PrivateAttr(default=None)  # lever_design.kind = "file": the validated policies

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
    def uncertainty_names(self) -> list[str]:
        """The uncertain parameters the design varies (a file design's columns, in file order)."""
        if self._design_table is not None:
            return [name for name in self._design_table.columns if name != "point_id"]
        return list(self.uncertainties)

    @property
    def lever_names(self) -> list[str]:
        """The levers the lever design varies (a lever file's columns, in file order)."""
        if self._lever_table is not None:
            return [name for name in self._lever_table.columns if name != "policy"]
        return list(self.levers)

    @property
    def has_lever_design(self) -> bool:
        """Whether policies are drawn from levers (besides the named ones)."""
        return bool(self.levers) or self._lever_table is not None

    @property
    def named_policies(self) -> list[str]:
        """Baseline first, then the named policies (not those drawn from the levers)."""
        return [BASELINE, *self.policies]


class LoadedSpec:
    """A validated spec together with its resolved base scenario and source folder."""

    def __init__(self, spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
        """Keep the spec, the resolved scenario and where the spec came from."""
        self.spec = spec
        self.scenario = scenario
        self.origin = origin

    def canonical(self) -> dict[str, Any]:
        """The spec as plain JSON data, with the base scenario's resolved overrides and its design files' contents."""
        canonical = {
            "spec": self.spec.model_dump(mode="json"),
            "scenario_overrides": json.loads(json.dumps(self.scenario.overrides, default=str)),
        }
        for key, table in (("design_file", self.spec._design_table), ("lever_file", self.spec._lever_table)):
            if table is not None:
                canonical[key] = json.loads(table.to_json(orient="split", index=False, double_precision=15))
        return canonical

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
    """Validate a parsed spec table; resolve its scenario; check uncertainties, levers, designs, outcomes, goals."""
    table = dict(table)
    spelling = "uncertainties"
    if "parameters" in table:  # the older name of the uncertainties table
        if "uncertainties" in table:
            raise _fail(
                origin, "parameters", "give the varied inputs as [uncertainties.NAME] or [parameters.NAME], not both"
            )
        spelling = "parameters"
        table["uncertainties"] = table.pop("parameters")
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
        raise SpecError(_respell(str(_fail(origin, _key(error["loc"]), message)), spelling)) from None
    scenario_ref = spec.scenario
    if base_dir is not None and (scenario_ref.endswith(".toml") and not Path(scenario_ref).is_absolute()):
        scenario_ref = str(base_dir / scenario_ref)
    try:
        scenario = load_scenario(scenario_ref)
    except ParameterError as exc:
        raise _fail(origin, "scenario", str(exc)) from None
    try:
        _check_fixed(spec, scenario, origin)
        _check_varied(spec, spec.uncertainties, "uncertainties", scenario, origin)
        _check_varied(spec, spec.levers, "levers", scenario, origin)
        _check_design(spec, origin)
        _check_lever_design(spec, origin)
        _read_design_files(spec, scenario, origin, base_dir)
        _check_outcomes(spec, origin)
        _check_goals(spec, origin)
        _check_policies(spec, scenario, origin)
    except SpecError as exc:
        raise SpecError(_respell(str(exc), spelling)) from None
    return LoadedSpec(spec, scenario, origin)


def _respell(text: str, spelling: str) -> str:
    """Name the uncertainties table as the spec spelled it (`parameters` is the older name)."""
    return text if spelling == "uncertainties" else text.replace("'uncertainties", f"'{spelling}")


def _check_fixed(spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
    """The fixed overrides must be valid parameters of the base scenario."""
    try:
        scenario.parameters(**spec.fixed)
    except ParameterError as exc:
        raise _fail(origin, "fixed", str(exc)) from None


def _check_varied(
    spec: ExperimentSpec, varied: dict[str, ParameterSpec], table: str, scenario: Scenario, origin: str
) -> None:
    """Each varied parameter exists, is not fixed or in the other table, and each value (or range end) is allowed."""
    other = spec.levers if table == "uncertainties" else spec.uncertainties
    design = spec.design.kind if table == "uncertainties" else spec.lever_design.kind
    for name, item in varied.items():
        key = f"{table}.{name}"
        if name not in ModelParameters.model_fields:
            raise _fail(origin, key, f"unknown parameter {name!r} (see `borrowed-time params`)")
        if name in spec.fixed:
            raise _fail(origin, key, "is also set in 'fixed'; vary it or fix it, not both")
        if name in other:
            raise _fail(origin, key, "is both an uncertainty and a lever; it can be one or the other")
        probes = item.values if item.values is not None else _range_ends(name, item.range)
        for value in probes:
            try:
                scenario.parameters(**{**spec.fixed, name: value})
            except ParameterError as exc:
                raise _fail(origin, f"{key}.{'values' if item.values is not None else 'range'}", str(exc)) from None
        if item.range is not None and design == "full_factorial" and item.levels is None:
            raise _fail(
                origin, f"{key}.levels", "a 'range' in a full_factorial design needs 'levels' (points on the range)"
            )


def _range_ends(name: str, bounds: tuple[float, float]) -> list[Any]:
    """A range's ends as the design draws them: rounded for a whole-number parameter."""
    from experiments.design import is_integer_parameter  # design builds on this module

    return [round(end) for end in bounds] if is_integer_parameter(name) else list(bounds)


def _check_design(spec: ExperimentSpec, origin: str) -> None:
    """Sampled designs need ranges and a sample count; Sobol needs a power of 2; a file design needs a file."""
    design = spec.design
    if design.kind != "file" and design.file is not None:
        raise _fail(origin, "design.file", f"a {design.kind} design takes no 'file'; use kind = 'file'")
    if design.kind == "file":
        if design.file is None:
            raise _fail(origin, "design.file", "a file design needs 'file' (a CSV or Parquet file, one row a point)")
        if spec.uncertainties:
            raise _fail(origin, "uncertainties", "a file design's columns are the uncertainties; give no ranges")
        if design.samples is not None:
            raise _fail(origin, "design.samples", "a file design takes no 'samples'; it runs every row")
        return
    if design.kind == "full_factorial":
        if design.samples is not None:
            raise _fail(
                origin, "design.samples", "a full_factorial design takes no 'samples'; it runs every combination"
            )
        return
    if not spec.uncertainties:
        raise _fail(origin, "uncertainties", f"a {design.kind} design needs at least one parameter with a 'range'")
    if design.samples is None:
        raise _fail(origin, "design.samples", f"a {design.kind} design needs 'samples'")
    if design.kind in ("sobol", "morris"):
        for name, item in spec.uncertainties.items():
            if item.range is None:
                raise _fail(origin, f"uncertainties.{name}", f"a {design.kind} design needs a 'range', not 'values'")
    if design.kind == "sobol" and (design.samples & (design.samples - 1)) != 0:
        raise _fail(origin, "design.samples", f"Sobol base samples must be a power of 2 (got {design.samples})")


def _check_lever_design(spec: ExperimentSpec, origin: str) -> None:
    """A lever design draws from the levers (or a file); Latin hypercube needs 'samples'."""
    design = spec.lever_design
    if design.kind != "file" and design.file is not None:
        raise _fail(origin, "lever_design.file", f"a {design.kind} lever design takes no 'file'; use kind = 'file'")
    if design.kind == "file":
        if design.file is None:
            raise _fail(
                origin, "lever_design.file", "a file lever design needs 'file' (CSV or Parquet, one row a policy)"
            )
        if spec.levers:
            raise _fail(origin, "levers", "a file lever design's columns are the levers; give no ranges")
        return
    if design.kind == "latin_hypercube" and spec.levers and design.samples is None:
        raise _fail(origin, "lever_design.samples", "a latin_hypercube lever design needs 'samples'")
    if design.kind == "full_factorial" and design.samples is not None:
        raise _fail(origin, "lever_design.samples", "a full_factorial lever design takes no 'samples'")


def _read_design_files(spec: ExperimentSpec, scenario: Scenario, origin: str, base_dir: Path | None) -> None:
    """Read and check the design files of file designs (every row a valid point) and keep them on the spec."""
    if spec.design.kind == "file":
        table = read_design_file(spec.design.file, "design.file", spec, scenario, origin, base_dir, role="uncertainty")
        spec._design_table = table
    if spec.lever_design.kind == "file":
        table = read_design_file(spec.lever_design.file, "lever_design.file", spec, scenario, origin, base_dir, "lever")
        spec._lever_table = table


def read_design_file(
    name: str,
    key: str,
    spec: ExperimentSpec,
    scenario: Scenario,
    origin: str,
    base_dir: Path | None,
    role: Literal["uncertainty", "lever"],
) -> Any:
    """A design file as a frame of valid parameter values, one row a point (uncertainties) or a policy (levers)."""
    import pandas as pd  # pandas only for file designs

    path = Path(name) if base_dir is None or Path(name).is_absolute() else base_dir / name
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise _fail(origin, key, f"{name!r}: give a .csv or .parquet file")
    if not path.is_file():
        raise _fail(origin, key, f"{str(path)!r} not found")
    try:
        frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _fail(origin, key, f"{str(path)!r} cannot be read ({exc.__class__.__name__})") from None
    names = _policy_names_column(frame, key, origin) if role == "lever" else None
    frame = _drop_bookkeeping(frame, key, origin, role)
    if frame.empty or not len(frame.columns):
        raise _fail(origin, key, f"{str(path)!r} holds no rows or no parameter columns")
    taken = {**spec.fixed, **(spec.levers if role == "uncertainty" else spec.uncertainties)}
    for column in frame.columns:
        if column not in ModelParameters.model_fields:
            raise _fail(origin, key, f"column {column!r} is not a parameter (see `borrowed-time params`)")
        if column in taken:
            raise _fail(origin, key, f"column {column!r} is also set in 'fixed' or varied elsewhere in the spec")
    frame = _typed(frame, key, origin)
    for row, values in enumerate(frame.to_dict("records"), start=1):
        try:
            scenario.parameters(**{**spec.fixed, **values})
        except ParameterError as exc:
            raise _fail(origin, key, f"row {row}: {exc}") from None
    if names is not None:
        frame.insert(0, "policy", names)
    return frame.reset_index(drop=True)


def _policy_names_column(frame: Any, key: str, origin: str) -> list[str] | None:
    """A lever file's `policy` column as policy names (plain, unique, not 'baseline'), or None if it has none."""
    if "policy" not in frame.columns:
        return None
    names = [str(name) for name in frame["policy"]]
    for name in names:
        if not PLAIN_NAME.fullmatch(name) or name == BASELINE:
            raise _fail(origin, key, f"policy name {name!r} must be a plain name other than {BASELINE!r}")
    if len(set(names)) != len(names):
        raise _fail(origin, key, "the 'policy' column names a policy twice")
    return names


def _drop_bookkeeping(frame: Any, key: str, origin: str, role: str) -> Any:
    """Drop EMA Workbench's bookkeeping columns (scenario, policy, model); a varying one is an error."""
    for column in EMA_BOOKKEEPING:
        if column not in frame.columns:
            continue
        if role == "uncertainty" and column == "policy" and frame[column].nunique() > 1:
            raise _fail(
                origin,
                key,
                "the file holds several EMA policies; give the levers in [levers] or [lever_design] and the "
                "uncertainties alone in this file",
            )
        frame = frame.drop(columns=column)
    return frame


def _typed(frame: Any, key: str, origin: str) -> Any:
    """Columns as the parameters' types: whole-number floats as ints for integer parameters; no empty cells."""
    from experiments.design import is_integer_parameter

    frame = frame.copy()
    for column in frame.columns:
        if frame[column].isna().any():
            row = int(frame[column].isna().to_numpy().argmax()) + 1
            raise _fail(origin, key, f"row {row}: column {column!r} is empty")
        if is_integer_parameter(column) and frame[column].dtype.kind == "f":
            if not (frame[column] == frame[column].round()).all():
                raise _fail(origin, key, f"column {column!r} must hold whole numbers")
            frame[column] = frame[column].round().astype("int64")
    return frame


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


def _check_goals(spec: ExperimentSpec, origin: str) -> None:
    """A goal names a final outcome of the spec."""
    for name in spec.goals:
        if name not in spec.outcomes.final:
            raise _fail(origin, f"goals.{name}", "a goal must name one of the 'final' outcomes")


def _check_policies(spec: ExperimentSpec, scenario: Scenario, origin: str) -> None:
    """Policies are named override tables (plain names) that do not touch the uncertainties."""
    uncertain = set(spec.uncertainty_names)
    for name, overrides in spec.policies.items():
        key = f"policies.{name}"
        if name == BASELINE:
            raise _fail(origin, key, f"{BASELINE!r} is the base scenario itself; give the policy another name")
        if not PLAIN_NAME.fullmatch(name):
            raise _fail(origin, key, "a policy name must be a plain name (letters, digits, '.', '_' and '-')")
        if not overrides:
            raise _fail(origin, key, "a policy needs at least one parameter = value")
        clash = sorted(set(overrides) & uncertain)
        if clash:
            raise _fail(origin, key, f"sets uncertainty {clash[0]!r}; a policy may set levers, not uncertainties")
        try:
            scenario.parameters(**{**spec.fixed, **overrides})
        except ParameterError as exc:
            raise _fail(origin, key, str(exc)) from None
    if spec._lever_table is not None and "policy" in spec._lever_table.columns:
        clash = sorted(set(spec._lever_table["policy"]) & set(spec.policies))
        if clash:
            raise _fail(origin, "lever_design.file", f"policy {clash[0]!r} is also a named policy")


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
