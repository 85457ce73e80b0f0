"""Alternatives are built, not conjured: sponsors with finite money, build time, own accounts and own security."""

from __future__ import annotations

import itertools

import pytest

from agents.registry import Status
from model import RegistryModel
from model.developers import fee_usd_per_utility
from model.ecosystem import enter, malware_attraction, scanner_coverage
from model.malware import detection_delays
from model.sponsors import SponsorPool

#: A fee high enough that many developers would gain by moving: demand for alternatives lasts.
PUSH = {"per_package_fee_usd": 200.0, "worm_waves_per_year": 0.0, "spam_bursts_per_year": 0.0}
SMALL = {"n_developers": 2000, "n_corporations": 200}


def kinds(model: RegistryModel, kind: str) -> list[dict]:
    """The model's events of one kind."""
    return [event for event in model.events if event["kind"] == kind]


def test_an_alternative_opens_only_after_demand_lasted_and_the_build_time():
    """A sponsor commits after `alt_sustained_demand_weeks` of demand; the alternative opens `alt_build_weeks` later."""
    model = RegistryModel(rng=3, alt_sustained_demand_weeks=8, alt_build_weeks=20, **PUSH, **SMALL)
    model.run_for(60)
    sponsored, entered = kinds(model, "alternative_sponsored"), kinds(model, "alternative_entered")
    assert sponsored and entered
    assert min(event["time"] for event in sponsored) >= 8
    opened = {event["registry"]: event["time"] for event in entered}
    for event in sponsored:
        if event["registry"] in opened:
            assert opened[event["registry"]] - event["time"] >= 20
    assert all(model.time - alt.opened_time >= 0 for alt in model.alternatives.values())


def test_no_alternative_opens_without_a_sponsor_with_money():
    """With no sponsor budget, lasting demand builds nothing; with a budget for about one, at most that many open."""
    broke = RegistryModel(rng=3, alt_sponsor_budget_usd_per_year=0.0, **PUSH, **SMALL)
    broke.run_for(80)
    assert not broke.alternatives and not kinds(broke, "alternative_sponsored")
    assert max(broke.entry_demand_weeks) >= broke.p.alt_sustained_demand_weeks  # the demand was there
    one = RegistryModel(rng=3, alt_sponsor_budget_usd_per_year=1_600_000.0, **PUSH, **SMALL)
    one.run_for(80)
    rich = RegistryModel(rng=3, alt_sponsor_budget_usd_per_year=50_000_000.0, **PUSH, **SMALL)
    rich.run_for(80)
    assert 1 <= len(kinds(one, "alternative_sponsored")) < len(kinds(rich, "alternative_sponsored"))


def test_an_alternative_whose_sponsor_money_runs_out_fails():
    """When the sponsors' budget is gone, an alternative lives on its reserves, then shuts down for money."""
    model = RegistryModel(rng=2, **SMALL)
    model.run_for(1)
    alternative = enter(model, 0)
    model.sponsor_pool.commitments.clear()
    model.run_for(4)
    assert alternative.status != Status.SHUT_DOWN and alternative.revenue["steward"] == 0.0
    model.set_parameters(alt_sponsor_budget_usd_per_year=0.0)
    model.run_for(60)
    assert alternative.status == Status.SHUT_DOWN
    failures = [e for e in kinds(model, "alternative_failed") if e["registry"] == alternative.name]
    assert failures and "ran out of cash" in failures[0]["detail"]
    assert not kinds(model, "insolvency")  # an incumbent's insolvency only
    assert (model.developers.home != model.n_incumbents).all()  # its developers went back to the incumbent


def test_a_sponsored_alternative_is_paid_by_the_pool_and_the_pool_never_exceeds_its_budget():
    """Every payment comes out of the year's budget: spending in any year is at most the budget."""
    budget = 2_500_000.0
    model = RegistryModel(rng=4, alt_sponsor_budget_usd_per_year=budget, **PUSH, **SMALL)
    model.run_for(4 * 52)
    assert kinds(model, "alternative_entered")
    spent = model.sponsor_pool.spent_by_year
    assert spent and all(0.0 <= amount <= budget * (1 + 1e-12) for amount in spent.values())
    assert max(spent.values()) > 0.5 * budget  # the budget was used, so the bound was tested
    steward = sum(alt.steward_paid_this_year for alt in model.alternatives.values())
    assert steward >= 0.0


def test_the_pool_pays_only_what_is_left_of_its_year():
    """A payment larger than what is left is cut to what is left; a new year starts from nothing spent."""
    pool = SponsorPool(budget_usd_per_year=100.0)
    assert pool.pay(70.0, 2026) == 70.0
    assert pool.pay(70.0, 2026) == 30.0
    assert pool.pay(5.0, 2026) == 0.0
    pool.new_year(2027)
    assert pool.pay(5.0, 2027) == 5.0 and pool.spent_by_year == {2026: 100.0, 2027: 5.0}


@pytest.mark.parametrize("volunteers", [0.0, 0.5, 2.0])
def test_an_alternatives_removal_delay_comes_from_its_own_capacity(volunteers):
    """Removal median = the registry rule H / (1 + k capacity / workload), capacity = staff + volunteers."""
    model = RegistryModel(rng=1, alt_volunteer_security_fte=volunteers, **SMALL)
    model.run_for(1)
    alternative = enter(model, 1)
    model.run_for(3)
    capacity = alternative.security_fte + volunteers
    assert alternative.security_capacity_fte == pytest.approx(capacity)
    served = capacity * alternative.reports_per_fte_week(alternative.workload_trend)
    assert alternative.removal_median_hours == pytest.approx(model.removal_service_hours(alternative.workload / served))


def test_more_volunteers_or_staff_at_an_alternative_remove_malware_faster():
    """More security capacity at the alternative, the same workload: a shorter removal median."""
    medians = []
    for volunteers, staff in ((0.0, 0.0), (0.2, 0.1), (1.0, 0.1), (1.0, 1.0)):
        model = RegistryModel(rng=1, alt_volunteer_security_fte=volunteers, alt_security_fte=staff, **SMALL)
        model.run_for(1)
        alternative = enter(model, 1)
        alternative.reports_per_week = 40.0
        alternative.update_security()
        medians.append(alternative.removal_median_hours)
    assert medians[0] > model.p.removal_max_hours_not_overloaded  # no capacity at all: reports only wait
    assert all(a > b for a, b in itertools.pairwise(medians)), medians


def test_scanners_watch_an_alternative_by_its_reach_and_malware_follows_the_gaps():
    """Fast detection falls and malware per package rises as an alternative's share of downloads shrinks."""
    model = RegistryModel(rng=1, **SMALL)
    model.run_for(1)
    alternative = enter(model, 0)
    incumbent = model.registry_list[0]
    p = model.p
    coverages, attractions = [], []
    for share in (0.001, 0.01, 0.025, p.scanner_full_coverage_reach_share, 0.5):
        alternative.downloads_per_week = incumbent.downloads_per_week * share
        coverages.append(scanner_coverage(model, alternative))
        attractions.append(malware_attraction(model, alternative))
    assert all(a < b for a, b in itertools.pairwise(coverages[:4])) and coverages[3:] == [1.0, 1.0]
    assert all(a > b for a, b in itertools.pairwise(attractions[:4])) and attractions[3:] == [1.0, 1.0]
    assert scanner_coverage(model, incumbent) == 1.0
    assert detection_delays(p, coverages[0]).fast_share < detection_delays(p, 1.0).fast_share == p.fast_detection_share


def test_a_fee_unit_is_the_cost_of_moving_spread_over_the_payback_years():
    """One unit of fee utility = switching hours x hour value / (payback years x mean switching cost)."""
    model = RegistryModel(rng=0, switching_hours=10.0, publisher_hour_usd=60.0, switching_payback_years=2.0, **SMALL)
    assert fee_usd_per_utility(model.p) == pytest.approx(10 * 60 / (2 * model.p.switching_cost_mean))


def test_a_community_publisher_pays_no_organisation_fee():
    """Only company publishers whose company values a seat at its price pay; community publishers pay nothing."""
    model = RegistryModel(rng=5, organisation_usd_per_member_per_year=60.0, **SMALL)
    developers = model.developers
    n = len(model.registry_names)
    members = developers.organisation_members(n, 60.0)
    buyers = developers.for_company & (developers.organisation_value_usd >= 60.0)
    assert members.sum() == pytest.approx(buyers.sum() * developers.represented)
    assert 0 < buyers.sum() < developers.for_company.sum()
    developers.for_company = developers.for_company & False  # everyone publishes for a community
    assert developers.organisation_members(n, 60.0).sum() == 0.0
    model.step()
    assert all(r.revenue["organisations"] == 0.0 for r in model.registry_list)


def test_companies_buy_more_seats_at_a_lower_price_and_the_registry_earns_them():
    """Seats bought fall with the price; a registry selling them books price x members a year."""
    model = RegistryModel(rng=5, organisation_usd_per_member_per_year=60.0, **SMALL)
    n = len(model.registry_names)
    seats = [model.developers.organisation_members(n, price).sum() for price in (10.0, 60.0, 300.0)]
    assert seats[0] > seats[1] > seats[2]
    model.step()
    pypi = model.registries_by_name["pypi"]
    assert pypi.revenue["organisations"] == pytest.approx(60.0 * pypi.organisation_members / 52)


def test_an_optional_organisation_service_pushes_nobody_to_leave():
    """Selling organisation seats changes no developer's home: it is not a charge anyone must pay."""
    homes = []
    for price in (0.0, 60.0):
        model = RegistryModel(rng=7, organisation_usd_per_member_per_year=price, **PUSH, **SMALL)
        model.run_for(80)
        homes.append(model.developers.home.copy())
    assert (homes[0] == homes[1]).all()


def test_a_sponsor_annualises_a_quarter_and_compounds_its_growth():
    """Same steward rule on a quarter: cost x 52/13, grown at the quarter's growth compounded to a year."""
    model = RegistryModel(rng=1, **SMALL)
    model.run_for(1)
    alternative = enter(model, 0)
    alternative.year_cost, alternative.previous_year_cost, alternative.weeks_this_year = 130.0, 400.0, 13
    alternative.year_revenue = alternative.steward_paid_this_year = 50.0  # all of it from the sponsor
    alternative.cash = 1e9  # reserves above target: no top-up
    budget = alternative.steward_usd_per_year
    need = 520.0 * (520.0 / 400.0) ** 4  # the annualised cost, grown at the quarter's growth compounded to a year
    alternative.review_steward_budget()
    expected = budget + model.p.steward_responsiveness * (need - budget)  # the one steward rule, partway to the need
    assert alternative.steward_usd_per_year == pytest.approx(expected)
    assert alternative.previous_year_cost == pytest.approx(520.0) and alternative.weeks_this_year == 0


def test_a_closed_alternative_gives_its_demand_back_to_the_incumbent():
    """While open, an alternative serves part of its ecosystem's downloads; once shut down, the incumbent serves all."""
    model = RegistryModel(rng=2, **SMALL)
    model.run_for(1)
    alternative = enter(model, 0)
    incumbent = model.registry_list[0]
    model.step()
    assert incumbent.demand_ceded > 0
    alternative.close("test")
    model.step()
    assert incumbent.demand_ceded == 0.0 and incumbent.downloads_served == pytest.approx(incumbent.downloads_per_week)
