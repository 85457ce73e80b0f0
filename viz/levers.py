"""The explorer's levers: which parameters, grouped by actor, with units, tooltips and validation.

The levers are the parameters tagged with an explorer control in `model/parameters.py` (its
actor, label and unit), in the order they are defined there, grouped by actor; the seed comes
last. Descriptions come from the same definitions, so the tooltip says what the model means by
each lever; it goes on with the lever's row of the calibration table (`docs/calibration.md`):
its real-world analogue and source. Values typed into the page arrive as text; `parse_lever` turns them into parameter
values or a one-line message naming what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from model.catalogue import REGISTRIES
from model.parameters import ACTORS, ModelParameters, ParameterError, controls, make_parameters
from model.profiles import RegistryCatalogue


@dataclass(frozen=True)
class Lever:
    """One control on the page: a parameter, its label and its unit."""

    name: str  # parameter name in ModelParameters ("seed" is the run's random seed)
    label: str
    unit: str
    kind: str = "number"  # number, integer, bool, registries

    @property
    def tooltip(self) -> str:
        """What the lever does (the parameter's own description), then its real-world analogue and source."""
        if self.name == "seed":
            return "Random seed of the runs: the same levers and seed give the same projection."
        description = ModelParameters.model_fields[self.name].description or ""
        note = calibration_notes().get(self.name)
        return f"{description} In the world: {note}" if note else description

    @property
    def default(self) -> Any:
        """The status-quo value."""
        if self.name == "seed":
            return 0
        return ModelParameters.model_fields[self.name].get_default(call_default_factory=True)


CALIBRATION = Path(__file__).resolve().parent.parent / "docs" / "calibration.md"
NOTE_CHARACTERS = 420


@lru_cache(maxsize=1)
def calibration_notes() -> dict[str, str]:
    """Each parameter's row of the calibration table (its default's analogue and source), as plain text."""
    if not CALIBRATION.is_file():
        return {}
    notes = {}
    for line in CALIBRATION.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `(\w+)` \|.*\| ([^|]+) \|\s*$", line)
        if match:
            text = re.sub(r"\*\*|`", "", match.group(2)).strip()
            notes[match.group(1)] = text if len(text) <= NOTE_CHARACTERS else text[: NOTE_CHARACTERS - 1] + "…"
    return notes


def _kind_of(name: str) -> str:
    """The input a parameter needs: number, integer, bool or registries."""
    annotation = ModelParameters.model_fields[name].annotation
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "integer"
    if annotation == tuple[str, ...]:
        return "registries"
    return "number"


def _lever_groups() -> dict[str, list[Lever]]:
    """Every parameter with an explorer control, grouped by actor; the run's seed last."""
    groups: dict[str, list[Lever]] = {actor: [] for actor in ACTORS}
    for name, control in controls().items():
        groups[control["actor"]].append(Lever(name, control["label"], control["unit"], kind=_kind_of(name)))
    groups["Demand and the run"].append(Lever("seed", "Seed", "0 or more", kind="integer"))
    return {actor: levers for actor, levers in groups.items() if levers}


#: Levers grouped by the actor who pulls them (the order they appear on the page).
LEVER_GROUPS: dict[str, list[Lever]] = _lever_groups()

LEVERS: dict[str, Lever] = {lever.name: lever for group in LEVER_GROUPS.values() for lever in group}


def format_value(lever: Lever, value: Any) -> str:
    """A lever value as the text shown in its field (and in the page URL)."""
    if lever.kind == "bool":
        return "true" if value else "false"
    if lever.kind == "registries":
        return ",".join(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def parse_lever(lever: Lever, text: Any, catalogue: RegistryCatalogue | None = None) -> Any:
    """Turn a typed value into the lever's value; raise ParameterError naming the lever and what is allowed."""
    raw = str(text).strip() if text is not None else ""
    catalogue = catalogue or REGISTRIES
    if lever.kind == "registries":
        names = tuple(part.strip() for part in raw.split(",") if part.strip())
        unknown = [name for name in names if name not in catalogue]
        if unknown:
            raise ParameterError(
                f"{lever.label}: unknown registry {unknown[0]!r}; allowed: {', '.join(catalogue.names)}"
            )
        return names
    if raw == "":
        raise ParameterError(f"{lever.label}: empty; enter a {_expected(lever)}")
    if lever.kind == "bool":
        if raw.lower() in ("true", "1", "on", "yes"):
            return True
        if raw.lower() in ("false", "0", "off", "no"):
            return False
        raise ParameterError(f"{lever.label}: expected on or off (got {raw!r})")
    try:
        value = tomllib.loads(f"v = {raw.replace('_', '')}")["v"]
    except tomllib.TOMLDecodeError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{lever.label}: {raw!r} is not a number; enter a {_expected(lever)}")
    if lever.kind == "integer":
        if not float(value).is_integer():
            raise ParameterError(f"{lever.label}: {raw!r} is not a whole number")
        value = int(value)
    if lever.name == "seed":
        if value < 0:
            raise ParameterError(f"{lever.label}: must be a whole number >= 0 (got {raw!r})")
        return value
    try:
        make_parameters({lever.name: value}, catalogue)
    except ParameterError as exc:
        raise ParameterError(f"{lever.label}: {_plain(str(exc), lever)}") from None
    return value


def _expected(lever: Lever) -> str:
    """What a field expects, in words."""
    return {"integer": "whole number", "bool": "on or off"}.get(lever.kind, "number") + f" ({lever.unit})"


def _plain(message: str, lever: Lever) -> str:
    """Drop the parameter's code name from a validation message shown next to its own field."""
    return message.replace(f"parameter {lever.name!r} ", "").replace(f"parameter {lever.name!r}: ", "")


def lever_values(overrides: dict[str, Any], seed: int) -> dict[str, Any]:
    """Every lever's current value given parameter overrides and the seed."""
    values = {name: lever.default for name, lever in LEVERS.items()}
    values.update({name: value for name, value in overrides.items() if name in LEVERS})
    values["seed"] = seed
    return values
