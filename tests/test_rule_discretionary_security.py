"""Mitigation work is discretionary: an owner short of money cuts it first, and the removal queue pays.

Each review fixes the cash its owner puts into malware-mitigation work until the next review: the
work wanted last period at its own growth, less the shortfall of the owner's budget below what it
wanted (its capacity binds). Work beyond that budget is not paid for and not done, so its tooling
capacity falls and its backlog grows. Volunteers keep to their tasks: a malware surge does not pull
their hours off the registry's other work.
"""

from __future__ import annotations

import pytest

from agents.registry import LABOUR_ITEMS
from model import RegistryModel


@pytest.fixture
def model():
    """A small model; the tests set a registry's accounts by hand."""
    return RegistryModel(rng=0, n_developers=50, n_corporations=40)


def close_year(registry, *, mitigation_wanted: float, previous_wanted: float, capacity: float, budget: float) -> None:
    """Close a year whose cost far exceeds other revenue, so the owner wants more than `budget`; then review."""
    registry.steward_usd_per_year, registry.steward_capacity_usd_per_year = budget, capacity
    registry.year_cost, registry.previous_year_cost = 1e6, 1e6
    registry.year_revenue, registry.steward_paid_this_year = budget, budget
    registry.year_mitigation_wanted, registry.year_mitigation_unfunded = mitigation_wanted, 0.0
    registry.previous_mitigation_wanted_per_year = previous_wanted
    registry.cash, registry.weeks_this_year = 0.0, 52
    registry.review_steward_budget()


def test_an_owner_with_room_funds_the_work_wanted_at_its_growth(model):
    """Capacity far above the need: no shortfall, so the budget is last year's work times its growth."""
    pypi = model.registries_by_name["pypi"]
    close_year(pypi, mitigation_wanted=200.0, previous_wanted=100.0, capacity=1e12, budget=10.0)
    assert pypi.mitigation_budget_usd == pytest.approx(400.0)


def wanted_budget(registry, budget: float) -> float:
    """The budget the owner wants after `close_year`'s accounts (cost 1e6 a year, flat, no other revenue, no cash)."""
    p = registry.model.p
    need = 1e6 + registry.profile.reserve_target_months * 1e6 / 12 / p.steward_reserve_rebuild_years
    return budget + p.steward_responsiveness * (need - budget)


def test_an_owner_at_its_capacity_cuts_mitigation_by_its_shortfall(model):
    """The owner can raise 100,000 less than it wants: its mitigation budget is the projected work less that gap."""
    pypi = model.registries_by_name["pypi"]
    growth = 1 + pypi.profile.steward_capacity_growth_per_year
    capacity = (wanted_budget(pypi, 10.0) - 1e5) / growth  # after this year's growth, 1e5 short of the wanted budget
    close_year(pypi, mitigation_wanted=2e5, previous_wanted=1e5, capacity=capacity, budget=10.0)
    assert pypi.steward_usd_per_year == pytest.approx(capacity * growth)
    assert pypi.mitigation_budget_usd == pytest.approx(4e5 - 1e5)


def test_a_shortfall_beyond_the_work_leaves_no_mitigation_money(model):
    """A shortfall larger than the projected work: the budget is zero, not negative."""
    pypi = model.registries_by_name["pypi"]
    close_year(pypi, mitigation_wanted=2e5, previous_wanted=1e5, capacity=10.0, budget=10.0)
    assert pypi.mitigation_budget_usd == 0.0


def test_work_beyond_the_budget_is_not_paid_and_money_is_conserved(model):
    """A budget below this week's wanted work: it pays the budget, books the rest as unfunded; cash moves by revenue less cost."""
    model.step()
    pypi = model.registries_by_name["pypi"]
    pypi.mitigation_budget_usd = 10.0
    cash_before = pypi.cash
    model.step()
    assert pypi.cost["malware_mitigation"] == pytest.approx(10.0)
    assert pypi.mitigation_unfunded_usd > 0
    assert pypi.mitigation_budget_usd == pytest.approx(0.0)
    paid = sum(pypi.cost.values())
    assert pypi.cash == pytest.approx(cash_before + sum(pypi.revenue.values()) - paid)


def test_unfunded_work_lowers_capacity_and_the_backlog_grows():
    """Same seed, heavy malware: a registry with no mitigation money serves fewer reports and its backlog grows."""
    settings = {"rng": 3, "n_developers": 50, "n_corporations": 40, "malware_arrivals_per_day": 20000.0}
    funded, starved = RegistryModel(**settings), RegistryModel(**settings)
    for _ in range(20):
        starved.registries_by_name["pypi"].mitigation_budget_usd = 0.0
        funded.step()
        starved.step()
    a, b = funded.registries_by_name["pypi"], starved.registries_by_name["pypi"]
    assert b.security_capacity < a.security_capacity
    assert b.backlog_reports > a.backlog_reports
    assert b.removal_median_hours > a.removal_median_hours


def test_volunteers_cover_each_labour_item_at_the_reference_share(model):
    """At the reference costs every labour item has the same volunteer share; a mitigation surge leaves 'other' covered."""
    for registry in model.registry_list:
        reference = {item: registry._coef[item] for item in LABOUR_ITEMS}
        full = {**dict.fromkeys(("bandwidth", "storage", "compute", "staff"), 0.0), **reference}
        inkind = registry.split_inkind(full)
        for item in LABOUR_ITEMS:
            assert inkind[item] == pytest.approx(registry.profile.volunteer_cover * reference[item])
        surge = registry.split_inkind({**full, "malware_mitigation": 10 * reference["malware_mitigation"]})
        assert surge["other"] == pytest.approx(inkind["other"])
        assert surge["malware_mitigation"] == pytest.approx(inkind["malware_mitigation"])


def test_hours_an_item_does_not_need_go_to_the_other(model):
    """Light malware work: the volunteers' spare mitigation hours cover more of 'other', never more than it costs."""
    pypi = model.registries_by_name["pypi"]
    c = {item: pypi._coef[item] for item in LABOUR_ITEMS}
    full = {
        **dict.fromkeys(("bandwidth", "storage", "compute", "staff", "malware_mitigation"), 0.0),
        "other": c["other"],
    }
    inkind = pypi.split_inkind(full)
    assert inkind["malware_mitigation"] == 0.0
    assert inkind["other"] == pytest.approx(min(c["other"], pypi.volunteer_week))
