"""The steward budget rule, in isolation: one rule for every owner, foundation or company.

At each yearly review the owner moves its budget a share `steward_responsiveness` of the way to
its need (next year's projected deficit plus the gap to its reserve target spread over
`steward_reserve_rebuild_years`), and never beyond its fundraising capacity, which grows at the
owner's own rate. Registries differ only through their fitted numbers (reserve target, capacity
multiple and growth), never through a rule of their own.
"""

from __future__ import annotations

import pytest

from agents.registry import Status
from model import RegistryModel
from model.catalogue import REGISTRIES


@pytest.fixture
def model():
    """A small model; the tests set each registry's year by hand."""
    return RegistryModel(rng=0, n_developers=50, n_corporations=40)


def close_year(registry, *, cost: float, previous_cost: float, revenue: float, steward_paid: float, cash: float):
    """Set a registry's year's accounts and reserves, then run the yearly review; return the new budget."""
    registry.year_cost, registry.previous_year_cost = cost, previous_cost
    registry.year_revenue, registry.steward_paid_this_year = revenue, steward_paid
    registry.cash, registry.weeks_this_year = cash, 52  # a full year of accounts
    registry.review_steward_budget()
    return registry.steward_usd_per_year


@pytest.mark.parametrize("name", REGISTRIES.names)
def test_every_owner_follows_the_same_rule(model, name):
    """Cost 120 after 100 projects 144; others paid 80; the reserve gap is spread over the rebuild years."""
    registry, p = model.registries_by_name[name], model.p
    registry.steward_usd_per_year, registry.steward_capacity_usd_per_year = 50.0, 1e9
    cash = 10.0
    budget = close_year(registry, cost=120.0, previous_cost=100.0, revenue=110.0, steward_paid=30.0, cash=cash)
    reserve_gap = max(0.0, registry.profile.reserve_target_months * 144.0 / 12 - cash)
    need = (144.0 - 80.0) + reserve_gap / p.steward_reserve_rebuild_years
    assert budget == pytest.approx(50.0 + p.steward_responsiveness * (need - 50.0))


@pytest.mark.parametrize("name", REGISTRIES.names)
def test_a_steward_never_pays_more_than_its_capacity(model, name):
    """A deficit far beyond its capacity: the budget stops at the capacity, grown by the owner's rate."""
    registry = model.registries_by_name[name]
    registry.steward_usd_per_year, registry.steward_capacity_usd_per_year = 10.0, 100.0
    budget = close_year(registry, cost=1e6, previous_cost=1e6, revenue=0.0, steward_paid=10.0, cash=0.0)
    growth = registry.profile.steward_capacity_growth_per_year
    assert budget == pytest.approx(100.0 * (1 + growth)) == registry.steward_capacity_usd_per_year


def test_capacity_starts_as_a_multiple_of_the_starting_budget(model):
    """At the start each owner's capacity is its fitted multiple of its starting budget (times the sensitivity scale)."""
    scaled = RegistryModel(rng=0, n_developers=50, n_corporations=40, steward_capacity_multiplier=2.0)
    for registry, twice in zip(model.registry_list, scaled.registry_list):
        multiple = registry.profile.steward_capacity_multiple
        assert registry.steward_capacity_usd_per_year == pytest.approx(multiple * registry.steward_usd_per_year)
        assert twice.steward_capacity_usd_per_year == pytest.approx(2 * registry.steward_capacity_usd_per_year)


def test_the_budget_falls_when_others_cover_the_projected_cost(model):
    """No deficit and full reserves: the budget moves toward zero by the responsiveness, never below."""
    rubygems = model.registries_by_name["rubygems"]
    rubygems.steward_usd_per_year = 40.0
    budget = close_year(rubygems, cost=100.0, previous_cost=100.0, revenue=300.0, steward_paid=0.0, cash=1e9)
    assert budget == pytest.approx(40.0 * (1 - model.p.steward_responsiveness))


def test_a_first_year_projects_no_growth_and_the_year_resets(model):
    """With no previous year the projection is this year's cost; the accumulators start the new year at zero."""
    crates = model.registries_by_name["crates"]
    crates.steward_usd_per_year, crates.steward_capacity_usd_per_year = 0.0, 1e9
    budget = close_year(crates, cost=100.0, previous_cost=0.0, revenue=60.0, steward_paid=0.0, cash=1e9)
    assert budget == pytest.approx(model.p.steward_responsiveness * 40.0)
    assert crates.previous_year_cost == 100.0
    assert crates.year_cost == crates.year_revenue == crates.steward_paid_this_year == 0.0


def test_a_shut_down_registry_keeps_its_budget(model):
    """A registry that shut down is not reviewed; its year still closes."""
    maven = model.registries_by_name["maven"]
    maven.status, maven.steward_usd_per_year = Status.SHUT_DOWN, 7.0
    assert close_year(maven, cost=100.0, previous_cost=50.0, revenue=0.0, steward_paid=0.0, cash=0.0) == 7.0
    assert maven.previous_year_cost == 100.0 and maven.year_cost == 0.0


def test_the_steward_pays_its_budget_weekly(model):
    """Each week the steward pays a 52nd of its yearly budget, counted as steward money of the year."""
    pypi = model.registries_by_name["pypi"]
    pypi.steward_usd_per_year, pypi.steward_paid_this_year = 52_000.0, 0.0
    pypi.collect_steward_funding()
    assert pypi.incoming["steward"] == pytest.approx(1_000.0) and pypi.steward_paid_this_year == pytest.approx(1_000.0)


def test_in_a_run_no_steward_pays_beyond_its_capacity(runs):
    """In the status quo, every week's steward payment is within a 52nd of that owner's capacity."""
    registries = runs(seed=1).registries
    incumbents = registries[registries["kind"] == "incumbent"]
    paid_per_year = incumbents["revenue_steward_usd"] * 52
    assert (paid_per_year <= incumbents["steward_capacity_usd_per_year"] * (1 + 1e-9) + 1e-6).all()
