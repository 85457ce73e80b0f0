"""Stylized fact 5: a missed umbrella round cuts security at several registries in the same year."""

import numpy as np
import pandas as pd

SEEDS = range(6)
TO_2027, TO_2028 = 2, 3  # years to run: the tests look no further than 2027 and 2028


def year_means(registries: pd.DataFrame, column: str, year: int) -> pd.Series:
    """Per-registry mean of a column over one year."""
    return registries[registries["year"] == year].groupby("registry")[column].mean()


def test_missed_round_hits_two_or_more_registries_at_once(runs):
    """In 2028 security staff fall and removal delays rise at two or more registries, together."""
    fte_drop, delay_rise, together = [], [], []
    for seed in SEEDS:
        base = runs(seed=seed, years=TO_2028).registries
        shock = runs("funder-misses-round", seed=seed, years=TO_2028).registries
        fte_drop.append(year_means(base, "security_fte", 2028) - year_means(shock, "security_fte", 2028))
        delay_rise.append(
            year_means(shock, "removal_median_hours", 2028) - year_means(base, "removal_median_hours", 2028)
        )

        def weekly(frame):
            return frame[frame["year"] == 2028].pivot(index="time", columns="registry", values="removal_median_hours")

        rising = (weekly(shock) - weekly(base)) > 1e-9
        together.append(int(rising.sum(axis=1).max()))
    fte_drop, delay_rise = pd.concat(fte_drop, axis=1).mean(axis=1), pd.concat(delay_rise, axis=1).mean(axis=1)
    hit = [name for name in fte_drop.index if fte_drop[name] > 0.1 and delay_rise[name] > 0]
    assert len(hit) >= 2, (fte_drop.round(2).to_dict(), delay_rise.round(2).to_dict())
    assert np.median(together) >= 2, together


def test_multi_year_commitments_absorb_the_missed_round(runs):
    """With two-year grants (made in 2026), a round missed in 2027 cuts no grant; with one-year grants it does."""

    def drop(commitment_years: int) -> pd.Series:
        shock = runs(
            seed=0, years=TO_2027, umbrella_commitment_years=commitment_years, umbrella_missed_round_year=2027
        ).registries
        base = runs(seed=0, years=TO_2027, umbrella_commitment_years=commitment_years).registries
        return year_means(base, "security_fte", 2027) - year_means(shock, "security_fte", 2027)

    assert (drop(2).abs() < 1e-9).all(), drop(2).to_dict()
    assert (drop(1) > 0.1).sum() >= 2, drop(1).to_dict()
