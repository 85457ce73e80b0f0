"""Scenarios: named presets and TOML files that set parameters, validated with one-line errors.

A scenario file is flat TOML. Optional keys: `preset` (a preset to start from),
`description`, `years` (default horizon). Every other key must be a parameter name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from model.model import WEEKS_PER_YEAR
from model.parameters import ModelParameters, ParameterError, make_parameters
from model.profiles import RegistryCatalogue

META_KEYS = {"preset", "description", "years"}
DEFAULT_YEARS = 10
#: Longest scenario name or file path accepted, in characters.
MAX_NAME_CHARS = 1024


def check_years(years: Any) -> None:
    """Allow a horizon in years between 0 and 100 that makes at least one weekly tick."""
    if isinstance(years, bool) or not isinstance(years, (int, float)) or not 0 < years <= 100:
        raise ParameterError(f"'years' must be a number between 0 and 100 (got {years!r:.80})")
    if round(years * WEEKS_PER_YEAR) < 1:
        raise ParameterError(
            f"'years' must be a number between 0 and 100 that makes at least one week "
            f"(got {years!r}, {years * WEEKS_PER_YEAR:.2g} weeks)"
        )


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter values and a default horizon."""

    name: str
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)
    years: float = DEFAULT_YEARS

    def parameters(self, catalogue: RegistryCatalogue | None = None, **extra: Any) -> ModelParameters:
        """Validated parameters of this scenario, with `extra` overrides on top (registries from `catalogue`)."""
        return make_parameters({**self.overrides, **extra}, catalogue)


def _preset_dir():
    """The folder holding the preset TOML files."""
    return resources.files("model") / "scenarios"


def preset_names() -> list[str]:
    """Names of the built-in presets, status quo first."""
    names = sorted(
        entry.name.removesuffix(".toml") for entry in _preset_dir().iterdir() if entry.name.endswith(".toml")
    )
    return sorted(names, key=lambda name: name != "status-quo")


def _parse(text: str, origin: str) -> dict[str, Any]:
    """Parse TOML text, turning syntax errors into a one-line ParameterError."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{origin}: malformed TOML ({exc})") from None
    except RecursionError:
        raise ParameterError(f"{origin}: values are nested too deeply; scenario files are flat") from None


def _from_table(name: str, table: dict[str, Any], origin: str, seen: tuple[str, ...] = ()) -> Scenario:
    """Build a Scenario from a parsed table, resolving its `preset` first."""
    for key, value in table.items():
        if isinstance(value, dict):
            raise ParameterError(f"{origin}: key {key!r} is a table; scenario files are flat (parameter = value)")
    base = Scenario(name=name, description="")
    preset = table.get("preset")
    overrides = {key: value for key, value in table.items() if key not in META_KEYS}
    unknown = [key for key in overrides if key not in ModelParameters.model_fields]
    try:
        if preset is not None:
            if preset in seen:
                raise ParameterError(f"preset {preset!r} refers back to itself")
            base = load_preset(str(preset), (*seen, name))
        if unknown:
            make_parameters({unknown[0]: overrides[unknown[0]]})  # raises a one-line error with a suggestion
    except ParameterError as exc:
        raise ParameterError(f"{origin}: {exc}") from None
    years = table.get("years", base.years)
    try:
        check_years(years)
    except ParameterError as exc:
        raise ParameterError(f"{origin}: {exc}") from None
    scenario = Scenario(
        name=name,
        description=str(table.get("description", base.description)),
        overrides={**base.overrides, **overrides},
        years=years,
    )
    try:
        scenario.parameters()
    except ParameterError as exc:
        raise ParameterError(f"{origin}: {exc}") from None
    return scenario


def load_preset(name: str, seen: tuple[str, ...] = ()) -> Scenario:
    """Load a built-in preset by name."""
    if name not in preset_names():
        raise ParameterError(f"unknown scenario {name!r:.80}; presets are: {', '.join(preset_names())}")
    text = (_preset_dir() / f"{name}.toml").read_text()
    return _from_table(name, _parse(text, f"preset {name!r}"), f"preset {name!r}", seen)


def load_scenario(scenario: str | Path | Scenario | dict[str, Any] | None) -> Scenario:
    """Resolve a preset name, a TOML file path, a table or a Scenario into a Scenario."""
    if scenario is None:
        return load_preset("status-quo")
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return _from_table("custom", scenario, "scenario")
    text = str(scenario)
    if len(text) > MAX_NAME_CHARS:
        raise ParameterError(
            f"scenario name or file is too long ({len(text)} characters; at most {MAX_NAME_CHARS}): {text!r:.60}"
        )
    try:
        is_file = Path(text).is_file()
    except (OSError, ValueError):  # a name the file system cannot hold is not a file
        is_file = False
    if text.endswith(".toml") or is_file:
        if not is_file:
            raise ParameterError(f"scenario file {text!r} not found")
        try:
            content = Path(text).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(f"scenario file {text!r} cannot be read ({exc.__class__.__name__})") from None
        origin = f"scenario file {text!r}"
        return _from_table(Path(text).stem, _parse(content, origin), origin)
    return load_preset(text)
