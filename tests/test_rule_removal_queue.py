"""Removal as a queue, in isolation: capacity from staff and tooling serves reports; a backlog carries over.

capacity = (security FTE + tooling FTE-equivalents) * reports per FTE-week, where tooling is
malware-mitigation spending (cash and volunteer hours) times `mitigation_capacity_per_staff_usd`;
backlog' = max(0, backlog + arrivals - capacity); median = min(m + q * u / (1 - u), cap) + wait,
with utilisation u = arrivals / capacity (capped below 1) and wait = 168 h * backlog / capacity.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import RegistryModel
from model.malware import removal_hours
from model.worms import WormTarget, simulate_outbreak


@pytest.fixture
def rubygems():
    """RubyGems in a small model (a small registry: a few dozen reports a week); the queue alone, no automation gains."""
    model = RegistryModel(rng=0, n_developers=50, n_corporations=40, removal_automation_exponent=0.0)
    return model.registries_by_name["rubygems"]


def week_with(registry, arrivals: float) -> float:
    """Serve one week with `arrivals` reports; return the backlog carried over."""
    registry.reports_per_week = arrivals
    registry.uploads_per_week = 0.0
    registry.serve_queue()
    return registry.backlog_reports


def test_backlog_grows_when_arrivals_exceed_capacity_and_drains_when_they_fall(rubygems):
    """Arrivals 100 above capacity for three weeks build a backlog of 300; arrivals 50 below drain it."""
    capacity = rubygems.security_capacity
    assert week_with(rubygems, capacity + 100) == pytest.approx(100)
    assert week_with(rubygems, capacity + 100) == pytest.approx(200)
    assert week_with(rubygems, capacity + 100) == pytest.approx(300)
    assert rubygems.removal_wait_hours == pytest.approx(168 * 300 / capacity)
    assert week_with(rubygems, capacity - 50) == pytest.approx(250)
    for _ in range(5):
        week_with(rubygems, capacity - 50)
    assert rubygems.backlog_reports == 0.0 and rubygems.removal_wait_hours == 0.0


def test_more_capacity_lowers_the_delay(rubygems):
    """The same arrivals, served by more security staff: lower utilisation and a shorter median."""
    arrivals = 0.8 * rubygems.security_capacity
    week_with(rubygems, arrivals)
    slow = rubygems.removal_median_hours
    rubygems.security_fte += 1.0
    week_with(rubygems, arrivals)
    assert rubygems.utilisation < 0.8 and rubygems.removal_median_hours < slow


def test_mitigation_spending_buys_capacity(rubygems):
    """Doubling malware-mitigation spending (cash and volunteer hours) adds its tooling capacity."""
    before = rubygems.security_capacity
    tooling = rubygems.tooling_fte
    rubygems.cost["malware_mitigation"] *= 2
    rubygems.inkind["malware_mitigation"] *= 2
    week_with(rubygems, 10.0)
    added = tooling * rubygems.model.p.reports_per_security_fte_week
    assert tooling > 0 and rubygems.security_capacity == pytest.approx(before + added)


def test_one_engineer_cuts_a_thinly_staffed_registrys_median_several_fold(rubygems):
    """A registry with half an FTE and little tooling: one more engineer cuts the median several-fold (facts: ~10x)."""
    rubygems.cost["malware_mitigation"] = rubygems.inkind["malware_mitigation"] = 0.0
    rubygems.security_fte = 0.5
    week_with(rubygems, 35.0)
    thin = rubygems.removal_median_hours
    rubygems.security_fte = 1.5
    week_with(rubygems, 35.0)
    assert thin / rubygems.removal_median_hours >= 5


def test_the_median_rises_with_utilisation_and_stops_at_the_observed_cap(rubygems):
    """The queue formula is increasing in utilisation and never above the tail cap without a backlog."""
    model = rubygems.model
    medians = [model.removal_service_hours(u) for u in (0.0, 0.3, 0.6, 0.9, 0.99, 5.0)]
    assert medians == sorted(medians) and medians[0] == model.p.removal_min_hours
    assert max(medians) <= model.p.removal_max_hours_not_overloaded


def test_the_tail_cap_holds_when_not_overloaded():
    """Without a backlog no removal takes longer than the cap (PyPI 2025: 4 days); a backlog adds its wait."""
    normals = np.random.default_rng(0).standard_normal(100_000)
    capped = normals.copy()
    removal_hours(capped, median_hours=40.0, sigma=1.5, cap_hours=96.0, wait_hours=0.0)
    assert capped.max() <= 96.0 and np.median(capped) == pytest.approx(40.0, rel=0.05)
    waiting = normals.copy()
    removal_hours(waiting, median_hours=40.0, sigma=1.5, cap_hours=96.0, wait_hours=100.0)
    np.testing.assert_allclose(waiting, capped + 100.0)


def test_a_healthy_owner_hires_for_its_queue_within_its_spare_capacity(rubygems):
    """Arrivals far above target: it hires only the extra staff its owner's spare capacity pays for."""
    p = rubygems.model.p
    rubygems.workload_trend = 10 * rubygems.security_capacity
    rubygems.affordable_extra_fte = 0.0
    assert rubygems.security_target_fte() == pytest.approx(rubygems.profile.own_security_fte + rubygems.grant_fte)
    rubygems.affordable_extra_fte = 2.0
    assert rubygems.security_target_fte() == pytest.approx(rubygems.profile.own_security_fte + 2 + rubygems.grant_fte)
    rubygems.workload_trend = 0.0  # nothing to serve: no extra staff
    assert rubygems.security_target_fte() == pytest.approx(rubygems.profile.own_security_fte + rubygems.grant_fte)
    assert p.security_target_utilisation < 1


def target(capacity_per_hour: float) -> WormTarget:
    """A registry of 200 maintainers with 20 packages each, no hygiene, a 10 h median and the given capacity."""
    return WormTarget(
        name="small",
        removal_median_hours=10.0,
        removal_sigma=0.5,
        hygiene=np.zeros(200),
        packages=np.full(200, 20.0),
        installs_per_package_hour=10.0,
        removal_service_hours=10.0,
        removal_cap_hours=96.0,
        capacity_per_hour=capacity_per_hour,
        spare_per_hour=0.5 * capacity_per_hour,
    )


def outbreak(capacity_per_hour: float, seed: int) -> dict:
    """One outbreak at the registry above."""
    return simulate_outbreak(
        np.random.default_rng(seed),
        {0: target(capacity_per_hour)},
        0,
        start_time=1,
        packages_per_token=20,
        maintainer_installs_per_hour=0.05,
        theft_prob=0.1,
        detection_hours=2.0,
        detection_sigma=0.5,
        spill_prob=0.0,
        containment_factor=4.0,
        containment_max_hours=168.0,
        max_packages=5_000,
    )


def test_a_worms_versions_queue_at_its_registry_and_lengthen_its_windows():
    """The same outbreak at a registry with little capacity lasts longer and draws more downloads."""
    ample = [outbreak(1e6, seed) for seed in range(10)]
    scarce = [outbreak(2.0, seed) for seed in range(10)]
    assert np.mean([o["trojan_downloads"] for o in scarce]) > np.mean([o["trojan_downloads"] for o in ample])
    assert np.mean([o["duration_hours"] for o in scarce]) > np.mean([o["duration_hours"] for o in ample])


@pytest.mark.parametrize("exponent", [0.0, 0.5, 1.0])
def test_automation_raises_reports_per_fte_with_a_sustained_workload_never_below_the_start(exponent):
    """r = r0 * max(1, trend / reference workload) ** e: k times the reference workload, sustained, gives k ** e."""
    model = RegistryModel(rng=0, n_developers=50, n_corporations=40, removal_automation_exponent=exponent)
    rubygems = model.registries_by_name["rubygems"]
    reference = rubygems._ref["workload"]
    base = model.p.reports_per_security_fte_week
    assert rubygems.reports_per_fte_week(0.1 * reference) == pytest.approx(base)
    for _ in range(300):  # the trend settles on a sustained four-fold workload
        week_with(rubygems, 4 * reference)
    assert rubygems.workload_trend == pytest.approx(4 * reference, rel=1e-6)
    assert rubygems.reports_per_fte_week(rubygems.workload_trend) == pytest.approx(base * 4**exponent, rel=1e-6)
    staff_and_tooling = rubygems.security_capacity_fte + rubygems.tooling_fte
    assert rubygems.security_capacity == pytest.approx(staff_and_tooling * base * 4**exponent, rel=1e-6)


def test_a_spike_meets_the_automation_of_the_trend_not_of_the_spike():
    """A one-week flood is served at the productivity of the arrivals' trend: its backlog builds as in the plain queue."""
    model = RegistryModel(rng=0, n_developers=50, n_corporations=40)
    rubygems = model.registries_by_name["rubygems"]
    reference = rubygems._ref["workload"]
    week_with(rubygems, reference)
    flood = 50 * rubygems.security_capacity
    per_fte = rubygems.reports_per_fte_week(
        rubygems.workload_trend + (flood - rubygems.workload_trend) / model.p.workload_trend_weeks
    )
    capacity = (rubygems.security_capacity_fte + rubygems.tooling_fte) * per_fte
    assert week_with(rubygems, flood) == pytest.approx(flood - capacity)
    assert per_fte < model.p.reports_per_security_fte_week * 50**0.5
