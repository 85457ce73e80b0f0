"""Security staffing in isolation: posts arrive after the hiring delay, cuts after notice, unfilled hires go first.

The clock is set by hand (`model.time`) and only `update_security` runs, so nothing else moves
the staff. Maven Central is used: it gets no grants, so its target is its own posts plus the
`extra_security_fte_by_registry` lever.
"""

from __future__ import annotations

import pytest

from model import RegistryModel


@pytest.fixture
def maven():
    """Maven Central in a small model, with 2 own security FTE and no pending changes."""
    model = RegistryModel(rng=0, n_developers=50, n_corporations=40)
    registry = model.registries_by_name["maven"]
    assert registry.security_fte == 2.0 and registry.staffing_changes == []
    return registry


def at_week(registry, week: int, extra_fte: float | None = None) -> float:
    """Set the clock (and, if given, the extra posts), run the staffing rule, return the staff on payroll."""
    model = registry.model
    model.time = float(week)
    if extra_fte is not None:
        model.set_parameters(extra_security_fte_by_registry={"maven": extra_fte})
    registry.update_security()
    return registry.security_fte


def test_funded_posts_arrive_after_the_hiring_delay(maven):
    """Three funded posts are hired once, 26 weeks later (`hiring_delay_weeks`), not before."""
    assert at_week(maven, 10, extra_fte=3.0) == 2.0
    assert maven.staffing_changes == [(36.0, 3.0)]
    assert at_week(maven, 20) == 2.0 and maven.staffing_changes == [(36.0, 3.0)]  # no second hire
    assert at_week(maven, 35) == 2.0
    assert at_week(maven, 36) == 5.0 and maven.staffing_changes == []


def test_cut_posts_leave_after_notice(maven):
    """Staff on payroll whose money stops stay `staff_notice_weeks` (4) more weeks."""
    at_week(maven, 0, extra_fte=3.0)
    assert at_week(maven, 26) == 5.0
    assert at_week(maven, 30, extra_fte=1.0) == 5.0 and maven.staffing_changes == [(34.0, -2.0)]
    assert at_week(maven, 33) == 5.0
    assert at_week(maven, 34) == 3.0


def test_a_cut_cancels_unfilled_hires_before_giving_notice(maven):
    """Excess posts come first out of hires not yet arrived, then from staff, with notice."""
    at_week(maven, 0, extra_fte=3.0)  # +3 due at week 26
    at_week(maven, 10, extra_fte=1.0)  # target 3: cancel 2 of the 3 pending hires, no notice
    assert maven.staffing_changes == [(26.0, 1.0)] and maven.security_fte == 2.0
    assert at_week(maven, 26) == 3.0
    at_week(maven, 30, extra_fte=4.0)  # +3 pending, due at week 56
    at_week(maven, 31, extra_fte=0.0)  # target 2: cancel the 3 pending, then notice for 1 on payroll
    assert maven.staffing_changes == [(35.0, -1.0)]
    assert at_week(maven, 35) == 2.0


def test_with_no_hiring_delay_posts_arrive_at_once(maven):
    """The delay is the parameter's value: 0 weeks hires in the same week."""
    maven.model.set_parameters(hiring_delay_weeks=0)
    assert at_week(maven, 5, extra_fte=1.5) == 3.5


def test_the_removal_median_follows_the_staff_on_payroll(maven):
    """More staff on payroll, more queue capacity, lower utilisation and a shorter delay, from the week they arrive."""
    model = maven.model
    before = maven.removal_median_hours
    at_week(maven, 0, extra_fte=3.0)
    assert maven.removal_median_hours == pytest.approx(before)
    at_week(maven, 26)
    capacity = (5.0 + maven.tooling_fte) * maven.reports_per_fte_week(maven.workload_trend)
    assert maven.security_capacity == pytest.approx(capacity)
    assert maven.removal_median_hours == pytest.approx(model.removal_service_hours(maven.workload / capacity))
    assert maven.removal_median_hours < before


def test_a_degraded_registry_cuts_its_own_security_posts(maven):
    """Degraded or read-only: own-funded posts are cut by `security_cut_when_degraded` (0.5)."""
    maven.status = type(maven.status).DEGRADED
    assert maven.security_target_fte() == pytest.approx(1.0)
    at_week(maven, 1)
    assert maven.staffing_changes == [(5.0, -1.0)]
