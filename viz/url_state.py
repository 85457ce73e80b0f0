"""The scenario in the page URL: preset, seed and changed levers as a query string, both ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from model.parameters import ParameterError
from model.scenarios import load_preset, preset_names
from viz.levers import LEVERS, format_value, parse_lever

DEFAULT_PRESET = "status-quo"


@dataclass
class UrlScenario:
    """What a link asks for, plus a message for each part of it that was not understood."""

    preset: str = DEFAULT_PRESET
    seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def to_query(preset: str, overrides: dict[str, Any], seed: int) -> str:
    """The query string (without '?') for a scenario; status-quo defaults are left out."""
    items: list[tuple[str, str]] = []
    if preset != DEFAULT_PRESET:
        items.append(("preset", preset))
    if seed != 0:
        items.append(("seed", str(seed)))
    preset_values = load_preset(preset).overrides
    for name, value in overrides.items():
        if name in LEVERS and preset_values.get(name, LEVERS[name].default) != value:
            items.append((name, format_value(LEVERS[name], value)))
    return urlencode(items, safe=",")


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
