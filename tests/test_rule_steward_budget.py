"""The steward budget rule, in isolation: one rule for every owner, its numbers from the registry's profile.

Each year the steward moves its budget a share `steward_responsiveness` of the way to next year's
projected deficit (cost grown at this year's rate, less revenue from everyone else); a company
steward (`steward_restores_reserves`) also budgets to bring reserves back to `reserves_months`.
"""

from __future__ import annotations

import pytest

from agents.registry import Status
from model import RegistryModel


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


def test_a_foundation_closes_part_of_the_projected_deficit(model):
    """PyPI (responsiveness 0.8, no reserve target): cost 120 after 100 projects 144; others paid 80."""
    pypi = model.registries_by_name["pypi"]
    pypi.steward_usd_per_year = 50.0
    budget = close_year(pypi, cost=120.0, previous_cost=100.0, revenue=110.0, steward_paid=30.0, cash=1e9)
    assert budget == pytest.approx(50.0 + 0.8 * ((144.0 - 80.0) - 50.0))


def test_a_company_also_restores_its_reserves(model):
    """npm (responsiveness 1, reserve target 9 months of projected cost) budgets deficit plus the reserve gap."""
    npm = model.registries_by_name["npm"]
    npm.steward_usd_per_year = 10.0
    budget = close_year(npm, cost=120.0, previous_cost=100.0, revenue=110.0, steward_paid=30.0, cash=50.0)
    assert budget == pytest.approx((144.0 - 80.0) + (9 * 144.0 / 12 - 50.0))


def test_the_budget_falls_when_others_cover_the_projected_cost(model):
    """No deficit ahead: the budget moves toward zero by the responsiveness, never below."""
    rubygems = model.registries_by_name["rubygems"]  # responsiveness 0.5
    rubygems.steward_usd_per_year = 40.0
    assert close_year(rubygems, cost=100.0, previous_cost=100.0, revenue=300.0, steward_paid=0.0, cash=1e9) == 20.0


def test_a_first_year_projects_no_growth_and_the_year_resets(model):
    """With no previous year the projection is this year's cost; the accumulators start the new year at zero."""
    crates = model.registries_by_name["crates"]  # responsiveness 0.8
    crates.steward_usd_per_year = 0.0
    budget = close_year(crates, cost=100.0, previous_cost=0.0, revenue=60.0, steward_paid=0.0, cash=1e9)
    assert budget == pytest.approx(0.8 * 40.0)
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
