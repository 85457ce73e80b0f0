"""Stylized fact 6: a worm grows to hundreds of packages at the baseline removal delay, stays small with
fast removal or high token hygiene, with a threshold in between."""

import itertools

import numpy as np

SEEDS = range(8)
BASE = {"worm_waves_per_year": 0.0, "years": 1}


def median_size(runs, **overrides) -> float:
    """Median packages compromised by the scheduled outbreak over seeds."""
    sizes = []
    for seed in SEEDS:
        worms = runs("worm-outbreak", seed=seed, **{**BASE, **overrides}).worms
        assert len(worms) == 1
        sizes.append(worms["packages_compromised"].iloc[0])
    return float(np.median(sizes))


def test_baseline_outbreak_reaches_hundreds_of_packages_across_maintainers(runs):
    """At the baseline removal delay the outbreak compromises hundreds of packages of many maintainers."""
    assert median_size(runs) >= 200
    worms = runs("worm-outbreak", seed=0, **BASE).worms
    assert worms["maintainers_compromised"].iloc[0] > 5
    assert worms["packages_first_24h"].iloc[0] <= worms["packages_compromised"].iloc[0]


def test_fast_removal_keeps_it_small(runs):
    """With removal in a few hours (queue hours cut from 15.5 to 1, npm's median from ~44 h to ~3 h) it stays small."""
    npm_median = runs("worm-outbreak", seed=0, removal_queue_hours=1.0, **BASE).registries
    assert npm_median.loc[npm_median["registry"] == "npm", "removal_median_hours"].iloc[0] < 5
    assert median_size(runs, removal_queue_hours=1.0) <= 40


def test_high_token_hygiene_keeps_it_small(runs):
    """With trusted publishing for most releases (hygiene 0.9) it stays small."""
    assert median_size(runs, token_hygiene_mean=0.9) <= 40


def test_threshold_between_fast_and_slow_removal(runs):
    """Outbreak size grows with the removal delay and jumps between a few hours and the baseline."""
    queue_hours = [1.0, 3.0, 7.7, 15.5]  # npm's median about 3, 9, 22 and 44 h
    sizes = [median_size(runs, removal_queue_hours=q) for q in queue_hours]
    assert all(a <= b for a, b in itertools.pairwise(sizes)), sizes
    assert sizes[-1] >= 5 * sizes[0], sizes
