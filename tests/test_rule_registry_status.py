"""The registry status machine, in isolation: thresholds, the recovery margin, no flapping, shutdown."""

from __future__ import annotations

import pytest

from agents.registry import Status
from model import RegistryModel

HEALTHY, STRAINED, DEGRADED, READ_ONLY = Status.HEALTHY, Status.STRAINED, Status.DEGRADED, Status.READ_ONLY


@pytest.fixture
def registry():
    """An incumbent of a small model whose runway the test sets (cash over a monthly cost of 1, nothing to cut)."""
    model = RegistryModel(rng=0, n_developers=50, n_corporations=40)
    registry = model.registries_by_name["rubygems"]
    registry.monthly_cash_cost = 1.0
    registry._coef["other"] = 0.0  # no 'other' costs to cut, so the runway alone decides the status
    return registry


def at_runway(registry, months: float) -> Status:
    """The status after the registry's runway becomes `months`."""
    registry.cash = months
    registry._update_status()
    return registry.status


def test_status_worsens_as_soon_as_runway_falls_below_a_threshold(registry):
    """Defaults: strained below 4 months, degraded below 2, read-only below 1; a fall may skip steps."""
    assert at_runway(registry, 4.0) == HEALTHY
    assert at_runway(registry, 3.99) == STRAINED
    assert at_runway(registry, 1.99) == DEGRADED
    assert at_runway(registry, 0.99) == READ_ONLY
    registry.status = HEALTHY
    assert at_runway(registry, 0.5) == READ_ONLY  # straight down, not one step a week


def test_recovery_needs_the_margin_above_a_threshold(registry):
    """From read-only, the runway must clear each threshold by `status_recovery_margin_months` (2)."""
    registry.status = READ_ONLY
    assert at_runway(registry, 2.9) == READ_ONLY  # above 1 month, but not 1 + 2
    assert at_runway(registry, 3.1) == DEGRADED
    assert at_runway(registry, 3.9) == DEGRADED  # above 2, but not 2 + 2
    assert at_runway(registry, 5.9) == STRAINED  # above 4, but not 4 + 2
    assert at_runway(registry, 6.0) == HEALTHY
    registry.status = READ_ONLY
    assert at_runway(registry, 100.0) == HEALTHY  # a large recovery may also skip steps


def test_a_runway_hovering_at_a_threshold_does_not_flap(registry):
    """Runway alternating just below and just above 4 months moves the status once, and logs it once (with one appeal)."""
    events_before = len(registry.model.events)
    statuses = [at_runway(registry, months) for months in (3.9, 4.1, 3.9, 4.1, 3.9, 4.5)]
    assert statuses == [STRAINED] * 6
    logged = registry.model.events[events_before:]
    assert [e["kind"] for e in logged] == ["status", "appeal"] and "strained" in logged[0]["detail"]


def test_health_is_judged_at_the_costs_it_would_restore(registry):
    """A strained registry whose runway clears 6 months only thanks to its cost cuts stays strained."""
    from agents.registry import WEEKS_PER_MONTH

    registry.status = STRAINED
    registry._coef["other"] = 0.25 / (registry.model.p.strained_cost_cut_share * WEEKS_PER_MONTH)
    assert registry.cuts_lifted_when_healthy_usd_per_month == pytest.approx(0.25)
    assert at_runway(registry, 7.0) == STRAINED  # 7 months at cut costs, 7 / 1.25 = 5.6 with them restored
    assert at_runway(registry, 7.6) == HEALTHY  # 7.6 / 1.25 = 6.08, above 4 + 2
    registry.status, registry.board_cost_cuts = STRAINED, True  # a board's own cuts stay after recovery
    assert registry.cuts_lifted_when_healthy_usd_per_month == 0.0
    assert at_runway(registry, 6.0) == HEALTHY


def test_thresholds_follow_the_parameters(registry):
    """The cut-offs and the margin are the parameters' values."""
    registry.model.set_parameters(
        read_only_runway_months=2.0,
        degraded_runway_months=4.0,
        strained_runway_months=9.0,
        status_recovery_margin_months=0.0,
    )
    assert at_runway(registry, 8.9) == STRAINED
    assert at_runway(registry, 9.0) == HEALTHY  # no margin: recovers as soon as it clears the threshold
    assert at_runway(registry, 1.9) == READ_ONLY


def test_a_registry_that_cannot_pay_shuts_down_for_good(registry):
    """Costs above cash plus revenue: the registry pays what it can, shuts down, and stays shut."""
    model = registry.model
    registry.cash, registry.steward_usd_per_year = 0.0, 0.0
    exposed = model.corporations.dependency_shares[:, model.registry_names.index("rubygems")] > 0
    memory_before = model.corporations.memory_now(model.time)[exposed].copy()
    registry.settle_accounts()
    assert registry.status == Status.SHUT_DOWN and registry.cash == 0.0
    assert [e["kind"] for e in model.events][-1] == "insolvency"
    assert registry.ops_fte == registry.security_fte == 0.0 and registry.downloads_served == 0.0
    assert registry.runway_months == 0.0 and not registry.accepts_uploads
    assert (model.corporations.memory_now(model.time)[exposed] > memory_before).all()  # its users remember it
    registry.receive("donation", 1e6, payer="someone")  # money no longer arrives
    assert not registry.incoming
    assert at_runway(registry, 100.0) == Status.SHUT_DOWN  # no recovery from shutdown


def test_an_alternative_follows_runway_like_an_incumbent(registry):
    """An alternative keeps accounts like an incumbent: its status follows its runway by the same thresholds."""
    from model.ecosystem import enter

    alternative = enter(registry.model, registry.model.registry_names.index("rubygems"))
    alternative.monthly_cash_cost = 1.0
    assert at_runway(alternative, 0.1) == READ_ONLY


def test_a_strained_registry_serves_all_its_demand(registry):
    """Low runway limits no one: rate limiting is a policy a registry chooses, not an effect of its status."""
    demand = registry.downloads_served
    for months in (3.0, 1.5, 0.5):
        at_runway(registry, months)
        assert registry.status != HEALTHY and registry.downloads_served == demand


def test_becoming_strained_brings_one_appeal_a_year(registry):
    """On leaving health the owner appeals once: a share of a year's cash cost, paid with next week's revenue."""
    model = registry.model
    at_runway(registry, 3.0)
    gift = model.p.emergency_appeal_share * 12 * registry.monthly_cash_cost
    assert registry.incoming["appeal"] == pytest.approx(gift)
    at_runway(registry, 10.0)
    model.time += 10
    at_runway(registry, 3.0)  # strained again within the year: no second appeal
    assert registry.incoming["appeal"] == pytest.approx(gift)
    at_runway(registry, 10.0)
    model.time += 52
    at_runway(registry, 3.0)
    assert registry.incoming["appeal"] == pytest.approx(2 * gift)


def test_a_strained_registry_cuts_its_other_costs(registry):
    """Strained or worse: 'other' costs fall by `strained_cost_cut_share`; other items do not change."""
    healthy = registry.full_costs()
    at_runway(registry, 3.0)
    strained = registry.full_costs()
    cut = registry.model.p.strained_cost_cut_share
    assert strained["other"] == pytest.approx(healthy["other"] * (1 - cut))
    assert all(strained[item] == healthy[item] for item in healthy if item != "other")
