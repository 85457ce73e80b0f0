"""Event cards the facilitator draws or schedules: the model's shock catalogue (`model/shocks.py`) as cards.

A card is a shock of the catalogue; its text, options, severity note and how it acts on the
model come from its entry. It acts at the start of the round's year, through the model's one
validated parameter-change function (`set_parameters`) or its shocks; the registries a worm card
may name, and how likely a drawn worm starts at each, come from the model's registry catalogue.
An unknown card is an error when it is scheduled, drawn or played.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.catalogue import REGISTRIES
from model.model import RegistryModel
from model.parameters import ParameterError
from model.profiles import RegistryCatalogue
from model.shocks import act_at_year_start, check_options, draw_options, playable
from viz.workshop.roles import WorkshopError

#: Card name -> its text: the shocks that can act from the start of a year, in the catalogue's order.
CARDS = {shock.name: shock.description for shock in playable()}
#: Card name -> its severity note for the facilitator.
SEVERITY = {shock.name: shock.severity for shock in playable()}


def validate_card(
    card: Any, payload: dict[str, Any] | None, catalogue: RegistryCatalogue | None = None
) -> dict[str, Any]:
    """Check a card and its options (registries from `catalogue`); return the complete payload or raise a one-line error."""
    if not isinstance(card, str) or card not in CARDS:
        raise WorkshopError(f"unknown event card {card!r:.80}; allowed: {', '.join(CARDS)}")
    try:
        return check_options(card, payload, catalogue)
    except ParameterError as exc:
        raise WorkshopError(str(exc)) from None


def draw_card(
    seed: int, round_number: int, draw_index: int, catalogue: RegistryCatalogue | None = None
) -> tuple[str, dict[str, Any]]:
    """Draw a random card and its options, reproducibly from the room's seed, the round and how many were drawn."""
    catalogue = catalogue or REGISTRIES
    rng = np.random.default_rng(np.random.SeedSequence([seed, round_number, draw_index, 7]))
    card = str(rng.choice(list(CARDS)))
    return card, validate_card(card, draw_options(card, rng, catalogue), catalogue)


def apply_card(model: RegistryModel, round_number: int, card: str, payload: dict[str, Any]) -> None:
    """Let a card act on the model from the start of the round's year (model.time = year start)."""
    validate_card(card, payload, model.catalogue)
    act_at_year_start(model, card, round_number - 1, payload)
