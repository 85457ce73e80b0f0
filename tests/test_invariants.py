"""Invariants that must hold every tick: money is conserved, stocks stay non-negative, shares sum to 1."""

import numpy as np
import pytest

from agents.registry import COST_ITEMS, REVENUE_SOURCES

SCENARIOS = ["status-quo", "opex-norm", "enterprise-tier", "per-package-fee", "funder-misses-round"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cash_change_equals_revenue_minus_cost(runs, scenario):
    """Each registry's weekly cash change is its revenue minus its cash cost, to the cent."""
    registries = runs(scenario, seed=3).registries
    for _, rows in registries.groupby("registry"):
        revenue = rows[[f"revenue_{s}_usd" for s in REVENUE_SOURCES]].sum(axis=1).to_numpy()
        cost = rows[[f"cost_{i}_usd" for i in COST_ITEMS]].sum(axis=1).to_numpy()
        cash = rows["cash_usd"].to_numpy()
        change = np.diff(cash)
        np.testing.assert_allclose(change, (revenue - cost)[1:], rtol=1e-9, atol=0.01)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_negative_stocks(runs, scenario):
    """Cash, staff, downloads, packages, costs, revenues and in-kind cover are never negative."""
    registries = runs(scenario, seed=3).registries
    money = [c for c in registries.columns if c.endswith("_usd")]
    stocks = ["security_fte", "downloads", "packages", "runway_months", "removal_median_hours"]
    assert (registries[money + stocks] >= 0).all().all()


def test_support_shares_sum_to_one(runs):
    """The four corporate support-mode shares sum to 1 every week."""
    model = runs("enterprise-tier", seed=2).model
    shares = model[[c for c in model.columns if c.startswith("support_share_")]]
    assert shares.shape[1] == 4
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_funding_concentration_is_a_share(runs):
    """The largest funder's share of last year's funding lies in (0, 1]."""
    share = runs().model["largest_funder_share"]
    assert ((share > 0) & (share <= 1)).all()


def test_in_kind_never_exceeds_the_full_cost(runs):
    """Cash cost is the fully costed item less in-kind cover; neither goes below zero."""
    registries = runs(seed=5).registries
    for item in COST_ITEMS:
        assert (registries[f"cost_{item}_usd"] >= -1e-9).all()
        assert (registries[f"inkind_{item}_usd"] >= 0).all()
