"""No team is eliminated: receivership, rescue choices, funders' fixed budgets, scores against the status quo."""

from __future__ import annotations

import pytest

from viz.workshop.rescue import RESCUE_RUNWAY_MONTHS, rescue_need_usd
from viz.workshop.roles import FUNDER_BUDGET_USD, NO_BAIL_OUT, ROLE_BOOK
from viz.workshop.room import RoomManager, Simulation
from viz.workshop.scoring import FULL_MARKS_GAIN, score_of


@pytest.fixture
def manager(tmp_path):
    """A room manager on a fresh database."""
    rooms = RoomManager.open(tmp_path / "rooms.sqlite3")
    yield rooms
    rooms.close()


def _in_receivership(seed: int = 1) -> Simulation:
    """A room's run one year after every CDN donor left: PyPI can no longer pay its bills."""
    run = Simulation.start(seed, ROLE_BOOK.catalogue)
    run.play_round(ROLE_BOOK.effective_decisions({}, 1), [{"card": "cdn_leaves", "payload": {}}])
    return run


def test_a_card_that_would_bankrupt_a_registry_puts_it_in_receivership_and_the_game_goes_on(manager):
    """The facilitator is warned first; after the year the registry is open, read-only and owes its administrator."""
    room, key = manager.create_room(seed=1, rounds_total=3)
    assert room.rescue_forecast() == {"with_cards": [], "without_cards": []}  # no card, nothing projected
    room.schedule_event(key, "cdn_leaves")
    forecast = room.rescue_forecast()
    assert "pypi" in forecast["with_cards"] and "pypi" not in forecast["without_cards"]
    summary = room.advance(key)
    pypi = summary["registries"]["pypi"]
    assert pypi["status"] == "read_only" and pypi["receivership_debt_usd"] > 0
    assert pypi["rescue_need_usd"] >= pypi["receivership_debt_usd"]
    room.advance(key)
    room.advance(key)
    statuses = [row["status"] for s in room.results().values() for row in s["registries"].values()]
    assert "shut_down" not in statuses  # nobody is eliminated


def test_a_bail_out_repays_the_administrator_and_comes_out_of_the_funders_budget():
    """The umbrella funder's bail-out is paid first: its grant budget for the year is what is left."""
    run = _in_receivership()
    pypi = run.model.registries_by_name["pypi"]
    need, debt = rescue_need_usd(pypi), pypi.receivership_debt_usd
    assert need == pytest.approx(debt + max(0.0, RESCUE_RUNWAY_MONTHS * pypi.monthly_cash_cost - pypi.cash))
    paid_before = run.model._payment_totals.get("umbrella funder", 0.0)
    decisions = ROLE_BOOK.effective_decisions(
        {1: {"umbrella": ROLE_BOOK.validate_decision("umbrella", {"bail_out": "pypi"})}}, 2
    )
    rescues = ROLE_BOOK.apply_decisions(run.model, run.programmes, decisions)
    paid = min(need, FUNDER_BUDGET_USD["umbrella"])
    assert pypi.receivership_debt_usd == pytest.approx(max(0.0, debt - paid))  # the administrator is repaid first
    assert pypi.incoming["grant"] == pytest.approx(max(0.0, paid - debt))  # then the registry gets cash
    assert run.model.p.umbrella_budget_usd_per_year == pytest.approx(FUNDER_BUDGET_USD["umbrella"] - paid)
    assert any("bailed out PyPI" in line for line in rescues)
    run.model.step()
    assert run.model._payment_totals["umbrella funder"] - paid_before >= paid - 1e-6


def test_a_bail_out_is_capped_by_the_budget_and_no_bail_out_costs_nothing():
    """A funder never pays more than its budget; choosing no bail-out leaves the whole budget to its shares."""
    run = _in_receivership()
    decisions = ROLE_BOOK.effective_decisions({}, 2)
    assert decisions["public"]["bail_out"] == NO_BAIL_OUT
    ROLE_BOOK.apply_decisions(run.model, run.programmes, decisions)
    assert run.model.p.public_funder_budget_usd_per_year == FUNDER_BUDGET_USD["public"]
    assert run.model.registries_by_name["pypi"].receivership_debt_usd > 0
    both = {**decisions, "public": {**decisions["public"], "bail_out": "pypi"}}
    pypi = run.model.registries_by_name["pypi"]
    debt = pypi.receivership_debt_usd
    assert rescue_need_usd(pypi) > FUNDER_BUDGET_USD["public"]  # more than the public funder has
    ROLE_BOOK.apply_decisions(run.model, run.programmes, both)
    assert run.model.p.public_funder_budget_usd_per_year == 0.0  # all of it went to the bail-out
    assert pypi.receivership_debt_usd == pytest.approx(max(0.0, debt - FUNDER_BUDGET_USD["public"]))


def test_programme_money_is_taken_from_the_budget_and_pays_programme_staff():
    """A funder's hygiene-programme share is paid to the grantees and staffs their programmes."""
    run = Simulation.start(3, ROLE_BOOK.catalogue)
    share = 0.2
    decisions = ROLE_BOOK.effective_decisions(
        {
            1: {
                "public": ROLE_BOOK.validate_decision(
                    "public", {"projects_share": 0.8, "hygiene_programme_share": share}
                )
            }
        },
        1,
    )
    ROLE_BOOK.apply_decisions(run.model, run.programmes, decisions)
    granted = sum(run.model.registries_by_name[n].incoming["grant"] for n in ROLE_BOOK.grant_eligible)
    assert granted == pytest.approx(share * FUNDER_BUDGET_USD["public"])
    fte = share * FUNDER_BUDGET_USD["public"] / run.model.p.fte_cost_usd_per_year
    assert sum(run.programmes.fte[n] for n in ROLE_BOOK.grant_eligible) == pytest.approx(fte)
    assert run.model.p.public_funder_budget_usd_per_year == pytest.approx(0.8 * FUNDER_BUDGET_USD["public"])


def test_board_rescue_choices_act_on_the_registry():
    """An appeal brings a one-off gift; cost cuts lower other costs from the coming week."""
    run = _in_receivership()
    pypi = run.model.registries_by_name["pypi"]
    pypi.appeal_time = None  # its automatic appeal was a year ago
    board = ROLE_BOOK.validate_decision("pypi", {"emergency_appeal": True, "cost_cuts": True})
    decisions = ROLE_BOOK.effective_decisions({1: {"pypi": board}}, 2)
    rescues = ROLE_BOOK.apply_decisions(run.model, run.programmes, decisions)
    assert pypi.board_cost_cuts and pypi.incoming["appeal"] > 0
    assert rescues[:2] == ["PyPI board cut its other costs", "PyPI board called an emergency appeal"]


def test_every_score_ties_the_status_quo_when_no_team_decides(manager):
    """Same seed, same cards, every role at its default: both runs are the same, so every score is 50 and missed."""
    room, key = manager.create_room(seed=7, rounds_total=2)
    room.schedule_event(key, "cdn_leaves")
    room.advance(key)
    room.advance(key)
    board = room.scoreboard()
    assert {row["score"] for row in board["rows"].values()} == {50.0} and board["room"]["score"] == 50.0
    assert not any(row["met"] for row in board["rows"].values())
    assert board["room"]["in_receivership"] == board["room"]["in_receivership_status_quo"]


def test_outside_events_are_the_same_in_the_room_and_the_status_quo(manager):
    """Common random numbers: teams' decisions change neither downturns, donor lapses nor missed-round draws."""
    room, key = manager.create_room(seed=11, rounds_total=4)
    team = room.join("npm", "Nodes")
    room.submit(team, "npm", {"per_package_fee_usd": 20.0, "extra_security_fte": 5.0})
    funder = room.join("umbrella", "AO")
    room.submit(funder, "umbrella", {"registry_share": 0.5, "commitment_years": 3})
    for _ in range(4):
        room.advance(key)
    outside = ("downturn", "donor_lapsed")
    events = [
        [(e["time"], e["kind"]) for e in run.model.events if e["kind"] in outside]
        for run in (room.teams_run, room.status_quo)
    ]
    assert events[0] == events[1]
    assert room.results()[4]["registries"] != room.status_quo_results()[4]["registries"]  # the decisions did act


def test_the_score_scale_is_centred_on_the_status_quo_and_clipped():
    """50 ties the status quo, a gain of FULL_MARKS_GAIN earns 100, as large a loss 0; beyond that it is clipped."""
    assert score_of(0.0) == 50.0
    assert score_of(FULL_MARKS_GAIN) == 100.0 and score_of(-FULL_MARKS_GAIN) == 0.0
    assert score_of(3.0) == 100.0 and score_of(-3.0) == 0.0
    gains = [-0.3, -0.1, 0.0, 0.01, 0.1, 0.3]
    assert [score_of(g) for g in gains] == sorted(score_of(g) for g in gains)
