"""The explorer's state in the page URL: preset, seed, changed levers, shocks fired and week reached, both ways.

Shocks are `shocks=worm@37,missed_round@52` (the shock's name in the catalogue, `@`, the week it
was fired); the story run's week is `week=60`. Unknown or bad parts are reported, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from model.parameters import ParameterError
from model.scenarios import load_preset, preset_names
from model.shocks import fireable
from viz.levers import LEVERS, format_value, parse_lever

DEFAULT_PRESET = "status-quo"


@dataclass
class UrlScenario:
    """What a link asks for, plus a message for each part of it that was not understood."""

    preset: str = DEFAULT_PRESET
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    shocks: list[tuple[int, str]] = field(default_factory=list)  # (week fired, shock name)
    week: int = 0
    errors: list[str] = field(default_factory=list)


def to_query(
    preset: str, overrides: dict[str, Any], seed: int, shocks: list[tuple[int, str]] = (), week: int = 0
) -> str:
    """The query string (without '?') for a scenario and its story run; status-quo defaults are left out."""
    items: list[tuple[str, str]] = []
    if preset != DEFAULT_PRESET:
        items.append(("preset", preset))
    if seed != 0:
        items.append(("seed", str(seed)))
    preset_values = load_preset(preset).overrides
    for name, value in overrides.items():
        if name in LEVERS and preset_values.get(name, LEVERS[name].default) != value:
            items.append((name, format_value(LEVERS[name], value)))
    if shocks:
        items.append(("shocks", ",".join(f"{name}@{fired}" for fired, name in shocks)))
    if week:
        items.append(("week", str(week)))
    return urlencode(items, safe=",@")


def parse_shocks(text: str) -> list[tuple[int, str]]:
    """`worm@37,missed_round@52` as [(37, "worm"), (52, "missed_round")]; a one-line ParameterError if bad."""
    names = [shock.name for shock in fireable()]
    fired = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _, week = part.partition("@")
        if name not in names:
            raise ParameterError(f"link: unknown shock {name!r:.80} ignored; shocks: {', '.join(names)}")
        if not week.isdigit():
            raise ParameterError(f"link: shock {name!r} needs its week as {name}@WEEK, a whole number")
        fired.append((int(week), name))
    return sorted(fired)


def parse_week(text: str) -> int:
    """The story run's week: a whole number >= 0 (the session stops at its horizon)."""
    if not text.isdigit():
        raise ParameterError(f"link: week must be a whole number >= 0 (got {text!r:.80})")
    return int(text)


def from_query(search: str | None) -> UrlScenario:
    """Read a query string; unknown keys and bad values are skipped with a message, never raised."""
    result = UrlScenario()
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    for key, text in pairs:
        if key == "preset":
            if text in preset_names():
                result.preset = text
            else:
                result.errors.append(f"link: unknown preset {text!r} (using {DEFAULT_PRESET})")
    for key, text in pairs:
        if key == "preset":
            continue
        if key in ("shocks", "week"):
            try:
                if key == "shocks":
                    result.shocks = parse_shocks(text)
                else:
                    result.week = parse_week(text)
            except ParameterError as exc:
                result.errors.append(str(exc))
            continue
        if key not in LEVERS:
            result.errors.append(f"link: unknown lever {key!r} ignored")
            continue
        try:
            value = parse_lever(LEVERS[key], text)
        except ParameterError as exc:
            result.errors.append(f"link: {exc}")
            continue
        if key == "seed":
            result.seed = value
        else:
            result.overrides[key] = value
    return result
