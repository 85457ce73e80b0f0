"""What to try on a first visit: suggestions that set levers in one click, each saying what to look for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    """One thing to try: a title, what to look for, and the lever values it sets (as typed text)."""

    title: str
    look_for: str
    levers: tuple[tuple[str, str], ...]


#: The suggestions, from the gentlest change to the boldest.
SUGGESTIONS: tuple[Suggestion, ...] = (
    Suggestion(
        "Budget support as an operating cost",
        "Half of supporting firms pay opex contracts instead of donations: watch runways and money raised.",
        (("opex_budget_share", "0.5"),),
    ),
    Suggestion(
        "Charge USD 5 per new package on PyPI and npm",
        "Fees raise money but push developers to free alternatives: watch the alternatives' share.",
        (("per_package_fee_usd", "5"), ("fee_registries", "pypi,npm")),
    ),
    Suggestion(
        "Triple the umbrella security funder, with three-year grants",
        "More security staff at the registries: watch the removal delay and the harm.",
        (("umbrella_budget_usd_per_year", "15000000"), ("umbrella_commitment_years", "3")),
    ),
    Suggestion(
        "A public funder of USD 10 M a year",
        "A government fund like Germany's Sovereign Tech Fund: watch solvency and money from grants.",
        (("public_funder_budget_usd_per_year", "10000000"),),
    ),
    Suggestion(
        "Lose the donated CDN",
        "Bandwidth becomes a cash cost: watch which registries run out of money first.",
        (("cdn_donation", "false"),),
    ),
    Suggestion(
        "Trusted publishing everywhere",
        "Most publish tokens become short-lived: watch worm outbreaks and the harm.",
        (("token_hygiene_mean", "0.9"),),
    ),
)
