"""Stylized fact 2: removal delay is ~39 h across registries, fast where staffed, and follows funding."""

import numpy as np
import pandas as pd

SEEDS = range(6)
GRANTEES = ["pypi", "crates", "rubygems"]
TO_2027, TO_2028 = 2, 3  # years to run: the funding tests look no further than 2027 and the first weeks of 2028


def removal(registries: pd.DataFrame, names, year=None, time=None) -> float:
    """Mean removal median over some registries in a year or one week."""
    rows = registries[registries["registry"].isin(names)]
    rows = rows[rows["year"] == year] if year is not None else rows[rows["time"] == time]
    return float(rows["removal_median_hours"].mean())


def test_pooled_median_is_about_39_hours(runs):
    """At baseline funding the median over all malware is 39 h within 25%."""
    pooled = runs(seed=0).model["removal_median_hours_pooled"].iloc[0]
    assert abs(pooled - 39) <= 0.25 * 39, pooled


def test_well_staffed_pypi_is_much_faster(runs):
    """PyPI's start median is under 4 h, at least five times faster than the pooled median."""
    registries, model = runs(seed=0).registries, runs(seed=0).model
    pypi = registries[(registries["registry"] == "pypi") & (registries["time"] == 1)]["removal_median_hours"].item()
    assert pypi <= 4 and pypi * 5 < model["removal_median_hours_pooled"].iloc[0], pypi


def test_more_security_funding_lowers_the_delay(runs):
    """Grantees' removal median in the second year falls as the umbrella budget rises."""
    budgets = [0.0, 5e6, 15e6]
    delays = [
        np.mean(
            [
                removal(runs(seed=s, years=TO_2027, umbrella_budget_usd_per_year=b).registries, GRANTEES, year=2027)
                for s in SEEDS
            ]
        )
        for b in budgets
    ]
    assert delays[0] > delays[1] > delays[2], dict(zip(budgets, delays))


def test_a_funding_cut_raises_the_delay_after_a_delay(runs):
    """After the missed round the delay is unchanged during staff notice, then rises."""
    cut_week = 2 * 52 + 1  # first week of 2028, when the round is missed
    notice = runs().params.staff_notice_weeks
    same, later = [], []
    for seed in SEEDS:
        base = runs(seed=seed, years=TO_2028).registries
        cut = runs("funder-misses-round", seed=seed, years=TO_2028).registries
        same.append(
            removal(cut, GRANTEES, time=cut_week + notice - 1) - removal(base, GRANTEES, time=cut_week + notice - 1)
        )
        later.append(removal(cut, GRANTEES, time=cut_week + 12) - removal(base, GRANTEES, time=cut_week + 12))
    assert np.mean(later) > 0.5, later
    assert abs(np.mean(same)) < 0.02 * np.mean(later), (same, later)
