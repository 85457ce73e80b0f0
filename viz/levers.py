"""The explorer's levers: which parameters, grouped by actor, with units, tooltips and validation.

Descriptions come from the parameter definitions in `model/parameters.py`, so the tooltip says
what the model means by each lever. Values typed into the page arrive as text; `parse_lever`
turns them into parameter values or a one-line message naming what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from model.parameters import ModelParameters, ParameterError, make_parameters
from model.profiles import INCUMBENT_NAMES


@dataclass(frozen=True)
class Lever:
    """One control on the page: a parameter, its label and its unit."""

    name: str  # parameter name in ModelParameters ("seed" is the run's random seed)
    label: str
    unit: str
    kind: str = "number"  # number, integer, bool, registries

    @property
    def tooltip(self) -> str:
        """What the lever means, from the parameter's own description."""
        if self.name == "seed":
            return "Random seed of the run: the same levers and seed give the same run."
        return ModelParameters.model_fields[self.name].description or ""

    @property
    def default(self) -> Any:
        """The status-quo value."""
        if self.name == "seed":
            return 0
        return ModelParameters.model_fields[self.name].get_default(call_default_factory=True)


#: Levers grouped by the actor who pulls them (the order they appear on the page).
LEVER_GROUPS: dict[str, list[Lever]] = {
    "Registries and their fees": [
        Lever("per_package_fee_usd", "Per-package fee", "USD per new package"),
        Lever("publisher_subscription_usd_per_year", "Publisher subscription", "USD per publisher per year"),
        Lever("enterprise_tier_usd_per_year", "Enterprise tier price", "USD per heavy consumer per year"),
        Lever("fee_registries", "Registries charging", "registries", kind="registries"),
    ],
    "Corporations": [
        Lever("opex_budget_share", "Support budgeted as opex", "share of supporting firms, 0 to 1"),
        Lever("pledge_usd_per_developer", "Pledge per developer", "USD per developer per year"),
        Lever("opex_contract_years", "Opex contract length", "years", kind="integer"),
        Lever("regulation_mandates_support", "Regulation mandates support", "on/off", kind="bool"),
    ],
    "Funders": [
        Lever("umbrella_budget_usd_per_year", "Umbrella funder budget", "USD per year"),
        Lever("n_umbrella_funders", "Independent umbrella funders", "funders", kind="integer"),
        Lever("umbrella_rounds_per_year", "Grant rounds", "rounds per year", kind="integer"),
        Lever("umbrella_commitment_years", "Grant commitment", "years", kind="integer"),
        Lever("umbrella_miss_prob_per_year", "Chance of a missed round", "probability per year, 0 to 1"),
        Lever("public_funder_budget_usd_per_year", "Public funder budget", "USD per year"),
    ],
    "Security": [
        Lever("min_security_share", "Minimum security share of spending", "share, 0 to 1"),
        Lever("token_hygiene_mean", "Token hygiene", "share of publishing with trusted publishing, 0 to 1"),
        Lever("hiring_delay_weeks", "Hiring delay", "weeks", kind="integer"),
    ],
    "Infrastructure donors": [
        Lever("cdn_donation", "Donated CDN", "on/off", kind="bool"),
        Lever("inkind_contract_years", "Cloud-credit contract length", "years", kind="integer"),
        Lever("inkind_renewal_prob", "Donor renewal chance", "probability per year, 0 to 1"),
    ],
    "Demand and the run": [
        Lever("ai_publishing_multiplier", "AI-assisted publishing", "times today's publishing rate"),
        Lever("agent_demand_extra_growth", "AI/CI agent demand", "extra download growth per year"),
        Lever("seed", "Seed", "0 or more", kind="integer"),
    ],
}

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


def parse_lever(lever: Lever, text: Any) -> Any:
    """Turn a typed value into the lever's value; raise ParameterError naming the lever and what is allowed."""
    raw = str(text).strip() if text is not None else ""
    if lever.kind == "registries":
        names = [part.strip() for part in raw.split(",") if part.strip()]
        unknown = [name for name in names if name not in INCUMBENT_NAMES]
        if unknown:
            raise ParameterError(
                f"{lever.label}: unknown registry {unknown[0]!r}; allowed: {', '.join(INCUMBENT_NAMES)}"
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
        make_parameters({lever.name: value})
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
