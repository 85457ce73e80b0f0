"""Event cards the facilitator draws or schedules, and how each acts on the model.

Every card maps to an existing model mechanism, applied at the start of the round's year through
the model's one validated parameter-change function (`set_parameters`) or its shocks; the
registries a worm card may name, and how likely a drawn worm starts at each, come from the
model's registry catalogue:

- `worm`: a Shai-Hulud-like outbreak on a registry in a given week (`worm_outbreak_week`,
  `worm_outbreak_registry`; the worm-outbreak preset's mechanism).
- `missed_round`: the umbrella funder misses its first grant round of the year
  (`umbrella_missed_round_year`; the funder-misses-round preset's mechanism).
- `cdn_leaves`: every CDN donor leaves for good (`cdn_donor_leaves_year` and the model's
  `shock_cdn_donor_leaves`, applied now).
- `spam_flood`: AI spam / token-farming bursts start on `spam_burst_registry` (npm; the model's
  `shock_spam_burst`, once a burst).
- `regulation`: a regulation mandates that firms support the registries they use, from now on
  (`regulation_mandates_support`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR, RegistryModel
from model.profiles import RegistryCatalogue
from viz.workshop.roles import WorkshopError

CARDS = {
    "worm": "A worm: stolen publish tokens republish trojanised versions across maintainers.",
    "missed_round": "The umbrella funder misses its grant round: every grantee loses its grant at once.",
    "cdn_leaves": "The CDN donors leave: edge bandwidth becomes a cash cost at every registry they served.",
    "spam_flood": "An AI spam flood: bursts of junk and token-farming packages swamp npm's reviewers.",
    "regulation": "Regulation: firms must now support the registries they depend on.",
}


def validate_card(
    card: Any, payload: dict[str, Any] | None, catalogue: RegistryCatalogue | None = None
) -> dict[str, Any]:
    """Check a card and its options (registries from `catalogue`); return the complete payload or raise a one-line error."""
    if card not in CARDS:
        raise WorkshopError(f"unknown event card {card!r}; allowed: {', '.join(CARDS)}")
    names = (catalogue or REGISTRIES).names
    payload = dict(payload or {})
    if card == "worm":
        registry = payload.pop("registry", (catalogue or REGISTRIES).malware_target)
        week = payload.pop("week_of_year", 20)
        if registry not in names:
            raise WorkshopError(f"worm 'registry' must be one of {', '.join(names)} (got {registry!r})")
        if isinstance(week, bool) or not isinstance(week, int) or not 1 <= week <= WEEKS_PER_YEAR:
            raise WorkshopError(f"worm 'week_of_year' must be a whole number from 1 to 52 (got {week!r})")
        out = {"registry": registry, "week_of_year": week}
    elif card == "spam_flood":
        bursts = payload.pop("bursts", 2)
        if isinstance(bursts, bool) or not isinstance(bursts, int) or not 1 <= bursts <= 5:
            raise WorkshopError(f"spam_flood 'bursts' must be a whole number from 1 to 5 (got {bursts!r})")
        out = {"bursts": bursts}
    else:
        out = {}
    if payload:
        raise WorkshopError(f"unknown option {next(iter(payload))!r} for event card {card!r}")
    return out


def draw_card(
    seed: int, round_number: int, draw_index: int, catalogue: RegistryCatalogue | None = None
) -> tuple[str, dict[str, Any]]:
    """Draw a random card, reproducibly from the room's seed, the round and how many were drawn.

    A worm starts at a registry drawn by the catalogue's worm-card weights.
    """
    catalogue = catalogue or REGISTRIES
    rng = np.random.default_rng(np.random.SeedSequence([seed, round_number, draw_index, 7]))
    card = str(rng.choice(list(CARDS)))
    if card == "worm":
        weights = np.array([entry.worm_card_weight for entry in catalogue])
        payload = {
            "registry": str(rng.choice(catalogue.names, p=weights / weights.sum())),
            "week_of_year": int(rng.integers(4, 49)),
        }
    elif card == "spam_flood":
        payload = {"bursts": int(rng.integers(1, 4))}
    else:
        payload = {}
    return card, validate_card(card, payload, catalogue)


def apply_card(model: RegistryModel, round_number: int, card: str, payload: dict[str, Any]) -> None:
    """Set a card's mechanism in the model at the start of the round's year (model.time = year start)."""
    year = model.p.start_year + round_number - 1
    year_start_week = (round_number - 1) * WEEKS_PER_YEAR
    if card == "worm":
        model.set_parameters(
            worm_outbreak_registry=payload["registry"], worm_outbreak_week=year_start_week + payload["week_of_year"]
        )
    elif card == "missed_round":
        model.set_parameters(umbrella_missed_round_year=year)
    elif card == "cdn_leaves":
        model.set_parameters(cdn_donor_leaves_year=year)
        model.shock_cdn_donor_leaves()
    elif card == "spam_flood":
        for _ in range(payload["bursts"]):
            model.shock_spam_burst()
    elif card == "regulation":
        model.set_parameters(regulation_mandates_support=True)
        model.log_event("regulation", "", "a regulation now mandates corporate support (event card)")
