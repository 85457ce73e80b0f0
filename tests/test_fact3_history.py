"""Stylized fact 3: the history scenario (from 2019) draws malware arrivals from the yearly record it was fitted to.

Whether the cumulative counts retell the record is a validation target, scored by `borrowed-time validate`
(docs/validation.md), not asserted here.
"""

import tomllib

from model.history import entries_text

SEEDS = range(3)


def test_yearly_arrivals_follow_the_fitted_record(runs):
    """Calibration check: each year's arrivals over the registries are the record's count within 10% (2019-2024).

    Registries that shut down or cede packages to an alternative take a little off; Poisson noise the rest.
    """
    counts = {entry["year"]: entry["packages"] for entry in tomllib.loads(entries_text())["malware"]}
    assert set(counts) == set(range(2019, 2026))
    for seed in SEEDS:
        result = runs("history", years=6.5, seed=seed)
        assert result.model["year"].iloc[0] == 2019 and result.model["year"].iloc[-1] == 2025
        yearly = result.registries.groupby("year")["malware_arrivals"].sum()
        for year in range(2019, 2025):
            assert abs(yearly[year] / counts[year] - 1) <= 0.10, (seed, year, yearly[year], counts[year])


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
