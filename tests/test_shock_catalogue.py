"""The shock catalogue: the explorer's buttons, the workshop's cards and the presets' scheduled shocks are its entries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model import RegistryModel, run
from model.parameters import ModelParameters, ParameterError, parameter_table
from model.runner import events_frame, model_frame
from model.scenarios import load_preset
from model.shocks import SHOCKS, check_options, draw_options, fire, fireable, get_shock, playable
from viz.session import ExplorerSession
from viz.workshop.events import CARDS, apply_card, draw_card, validate_card
from viz.workshop.roles import WorkshopError

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_entry_says_what_it_does_and_how_bad_it_is():
    for name, shock in SHOCKS.items():
        assert shock.name == name and shock.label and shock.description and len(shock.severity) > 40
        for option in shock.options:
            assert option.description


def test_cards_and_buttons_are_the_catalogue():
    assert list(CARDS) == [shock.name for shock in playable()]
    assert all(CARDS[name] == SHOCKS[name].description for name in CARDS)
    assert [shock.name for shock in fireable()] == ["worm", "missed_round", "cdn_leaves", "spam_flood"]
    assert list(CARDS) == ["worm", "missed_round", "cdn_leaves", "spam_flood", "regulation"]  # random draws rely on it


def test_every_shock_parameter_schedules_exactly_one_catalogued_shock():
    """Presets and scenario files schedule shocks through parameters; each such parameter belongs to one entry."""
    owners = [name for shock in SHOCKS.values() for name in shock.scheduled_by]
    assert len(owners) == len(set(owners)) and set(owners) <= set(ModelParameters.model_fields)
    shock_parameters = {row["name"] for row in parameter_table() if row["kind"] == "shock"}
    assert shock_parameters <= set(owners)


@pytest.mark.parametrize("name", list(CARDS))
def test_a_card_changes_only_the_parameters_that_schedule_its_shock(name):
    model = RegistryModel(rng=2)
    model.run_for(52)
    before = model.p.model_dump()
    apply_card(model, 2, name, check_options(name, None))
    after = model.p.model_dump()
    assert {key for key in after if after[key] != before[key]} <= set(SHOCKS[name].scheduled_by)


def test_a_card_and_the_preset_that_schedules_its_shock_give_the_same_run():
    """The worm card (npm, week 37, first year) acts exactly as the worm-outbreak preset; the missed round as its preset."""
    preset = run("worm-outbreak", years=1, seed=3)
    model = RegistryModel(load_preset("status-quo").parameters(), rng=3)
    apply_card(model, 1, "worm", {"registry": "npm", "week_of_year": 37})
    model.run_for(52)
    assert model_frame(model).equals(preset.model) and events_frame(model).equals(preset.events)

    preset = run("funder-misses-round", years=3, seed=3)
    model = RegistryModel(load_preset("status-quo").parameters(), rng=3)
    model.run_for(104)
    apply_card(model, 3, "missed_round", {})  # round 3 is 2028, the year the preset names
    model.run_for(52)
    assert model_frame(model).equals(preset.model)


def test_an_unknown_shock_is_an_error_everywhere():
    model = RegistryModel(rng=1)
    with pytest.raises(ParameterError, match="unknown shock 'meteor'; allowed: worm, "):
        get_shock("meteor")
    with pytest.raises(ParameterError, match="unknown shock"):
        fire(model, "meteor")
    with pytest.raises(WorkshopError, match="unknown event card 'meteor'"):
        validate_card("meteor", None)
    before = model.p
    with pytest.raises(WorkshopError, match="unknown event card 'meteor'"):
        apply_card(model, 1, "meteor", {})  # played, not silently skipped
    assert model.p is before and model.events == []
    session = ExplorerSession(years=1)
    with pytest.raises(ParameterError, match="unknown shock"):
        session.fire("meteor")
    with pytest.raises(ParameterError, match="cannot be fired now"):
        session.fire("regulation")  # a lever in the explorer, a card in the workshop
    assert session.shocks == []
    with pytest.raises(WorkshopError, match="unknown event card 'agent_demand'"):
        validate_card("agent_demand", None)  # acts only from the start of a run


def test_options_are_validated_with_one_line_errors():
    assert check_options("worm", None) == {"registry": "npm", "week_of_year": 20}
    assert check_options("spam_flood", {"bursts": 5}) == {"bursts": 5}
    bad = [
        ("worm", {"registry": "cpan"}, "worm 'registry' must be one of pypi, npm"),
        ("worm", {"week_of_year": 53}, "worm 'week_of_year' must be a whole number from 1 to 52"),
        ("worm", {"week_of_year": True}, "week_of_year"),
        ("spam_flood", {"bursts": 2.0}, "spam_flood 'bursts' must be a whole number from 1 to 5"),
        ("missed_round", {"week_of_year": 3}, "unknown option 'week_of_year' for shock 'missed_round'"),
    ]
    for name, options, message in bad:
        with pytest.raises(ParameterError, match=message) as caught:
            check_options(name, options)
        assert "\n" not in str(caught.value)


def test_random_options_are_reproducible_and_allowed():
    for name in SHOCKS:
        first = draw_options(name, np.random.default_rng(5))
        assert first == draw_options(name, np.random.default_rng(5))
        assert check_options(name, first) == first
    drawn = {draw_card(seed, 1, 0)[0] for seed in range(60)}
    assert drawn == set(CARDS)  # every card can be drawn, and nothing else


def test_the_facilitator_guide_lists_every_card_with_its_severity():
    guide = " ".join((DOCS / "workshop.md").read_text().split())
    for name, shock in SHOCKS.items():
        assert f"`{name}`" in guide and " ".join(shock.severity.split()) in guide
