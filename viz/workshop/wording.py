"""The workshop in words: decision fields, their values, what a team changed, and event cards.

Everything here is derived from the decision forms (`viz.workshop.roles`: each field's
description ends with its unit in brackets) and the event cards (`viz.workshop.events.CARDS`:
a card's text starts with its title, up to the colon), so the pages never show a Python field
name, a raw value such as `by_need`, or a card as a dict.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from model.catalogue import REGISTRIES
from viz.workshop.events import CARDS
from viz.workshop.roles import NO_BAIL_OUT, RoleBook, field_range

_UNIT = re.compile(r"\s*\(([^)]*)\)\.?$")


def money(usd: float) -> str:
    """USD in millions or thousands, short (written 'USD', since '$' starts formulas in Markdown)."""
    return f"USD {usd / 1e6:,.2f}M" if abs(usd) >= 1e6 else f"USD {usd / 1e3:,.0f}k"


def field_label(spec: Any) -> str:
    """A decision field's name in words: its description without the unit in brackets or the final stop."""
    return _UNIT.sub("", spec.description or "").rstrip(".").strip()


def field_unit(spec: Any) -> str:
    """A numeric field's unit ('USD', 'FTE', 'years'), or '' for other fields."""
    if spec.annotation not in (int, float):
        return ""
    match = _UNIT.search(spec.description or "")
    return match.group(1) if match else ""


def field_hint(spec: Any) -> str:
    """What a field allows, in words: '0 to 100 USD', 'yes or no', 'up to 500 characters'."""
    if spec.annotation is bool:
        return "yes or no"
    if spec.annotation is str:
        limit = next((m.max_length for m in spec.metadata if getattr(m, "max_length", None)), None)
        return f"up to {limit} characters" if limit else "text"
    options = get_args(spec.annotation)
    if options:
        return " or ".join(choice_text(option) for option in options)
    low, high = field_range(spec)
    unit = field_unit(spec)
    if low is None or high is None:
        return unit
    return f"{_number(low)} to {_number(high)}" + (f" {unit}" if unit else "")


def choice_text(option: Any) -> str:
    """A choice of a fixed-choice field in words ('by_need' -> 'by need', 'pypi' -> 'PyPI', no bail-out)."""
    if option == NO_BAIL_OUT:
        return "no bail-out"
    if isinstance(option, str) and option in REGISTRIES:
        return REGISTRIES[option].label
    return str(option).replace("_", " ")


def _number(value: float) -> str:
    """A number without needless decimals: 5, 0.25, 12,000."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def value_text(spec: Any, value: Any) -> str:
    """A field's value in words, with its unit: 'USD 1.50M', '3 FTE', 'yes', 'by need'."""
    if spec.annotation is bool:
        return "yes" if value else "no"
    if spec.annotation is str:
        return f"“{value}”" if value else "(nothing)"
    if get_args(spec.annotation):
        return choice_text(value)
    unit = field_unit(spec)
    if unit == "USD" and abs(value) >= 10_000:
        return money(value)
    if unit == "USD":
        return f"USD {_number(value)}"
    if unit.endswith("s") and value == 1:
        unit = unit[:-1]  # 1 year
    return f"{_number(value)} {unit}".strip()


def input_text(value: Any) -> str:
    """A numeric value as an input box shows it (no exponent, no needless '.0')."""
    return f"{value:.0f}" if float(value).is_integer() else repr(float(value))


def changes(book: RoleBook, role: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a role's decision changed, one phrase per field: 'Fee per new package published: USD 0 → USD 5'."""
    form = book.forms[role]
    phrases = []
    for name, spec in form.model_fields.items():
        if before.get(name) == after.get(name):
            continue
        label = field_label(spec)
        if spec.annotation is str:
            phrases.append(f"{label}: {value_text(spec, after[name])}")
        else:
            phrases.append(f"{label}: {value_text(spec, before.get(name))} → {value_text(spec, after[name])}")
    return phrases


def decision_timeline(
    history: dict[int, dict[str, dict[str, Any]]], book: RoleBook, rounds: int
) -> list[dict[str, Any]]:
    """Every change of a role's decision in force over the first `rounds` rounds: round, role and phrases."""
    timeline = []
    previous = book.effective_decisions({}, 1)
    for round_number in range(1, rounds + 1):
        current = book.effective_decisions(history, round_number)
        for role in book.roles:
            phrases = changes(book, role, previous[role], current[role])
            if phrases:
                timeline.append({"round": round_number, "role": role, "changes": phrases})
        previous = current
    return timeline


def card_title(card: str) -> str:
    """An event card's title: its text up to the colon ('A worm', 'Regulation')."""
    text = CARDS.get(card, card.replace("_", " "))
    return text.split(":", 1)[0].strip()


def card_text(event: dict[str, Any], book: RoleBook) -> str:
    """An event card and its options in words: 'A worm on npm in week 20'."""
    details = []
    for name, value in (event.get("payload") or {}).items():
        if name == "registry":
            details.append(f"on {book.catalogue[value].label if value in book.catalogue else value}")
        elif name == "week_of_year":
            details.append(f"in week {value}")
        elif name == "bursts":
            details.append(f"of {value} burst{'s' if value != 1 else ''}")
        else:
            details.append(f"{choice_text(name)} {value}")
    return " ".join([card_title(event["card"]), *details])
