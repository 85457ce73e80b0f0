"""Stylized fact 3: the history scenario (2019 to mid-2025) detects about 845,000 malicious packages, most on npm."""

import numpy as np

SEEDS = range(10)


def test_history_count_within_15_percent_and_mostly_npm(runs):
    """Averaged over seeds, cumulative identified malware is 845,000 within 15%; npm has the large majority."""
    totals, npm_shares = [], []
    for seed in SEEDS:
        result = runs("history", years=6.5, seed=seed)
        assert result.model["year"].iloc[0] == 2019 and result.model["year"].iloc[-1] == 2025
        totals.append(result.model["cumulative_malicious_identified"].iloc[-1])
        registries = result.registries
        npm_shares.append(
            registries.loc[registries["registry"] == "npm", "malware_identified"].sum()
            / registries["malware_identified"].sum()
        )
    assert abs(np.mean(totals) / 845_000 - 1) <= 0.15, np.mean(totals)
    assert np.mean(npm_shares) > 0.75, np.mean(npm_shares)


def test_history_can_run_past_its_default_end(runs):
    """The history scenario runs on past mid-2025 when asked."""
    assert runs("history", years=8, seed=0).model["year"].iloc[-1] == 2026


def test_no_malware_is_removed_before_it_arrives(runs):
    """Every week, cumulative removals never exceed cumulative arrivals at any registry."""
    registries = runs("history", years=6.5, seed=0).registries
    for _, rows in registries.groupby("registry"):
        arrived, removed = rows["malware_arrivals"].cumsum(), rows["malware_removed"].cumsum()
        identified = rows["malware_identified"].cumsum()
        assert (removed <= arrived).all() and (identified <= arrived).all()
        open_rows = rows["status"] != "shut_down"  # a shut-down registry serves nothing, live malware included
        assert (rows["malware_live"] == arrived - removed)[open_rows].all()
