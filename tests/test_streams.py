"""Common random numbers: one stream per process, keyed draws, and levers that leave other processes' draws alone."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from model import RegistryModel
from model.streams import STREAMS, Streams, poisson_counts, stable_key

SEED = 5  # a seed whose status quo has every kind of exogenous event in ten years (checked below)


def exogenous_events(result) -> dict[str, list]:
    """The draws of processes no fee or pledge acts on, as the events they made."""
    events = result.events

    def weeks(kind):
        return sorted(events.loc[events["kind"] == kind, ["time", "registry"]].itertuples(index=False, name=None))

    return {
        "downturn years": sorted(events.loc[events["kind"] == "downturn", "year"]),
        "worm start weeks": sorted(result.worms["start_time"]),
        "spam bursts": weeks("spam_burst"),
        "umbrella misses": weeks("missed_round"),
        "in-kind donor departures": weeks("donor_left"),
    }


def test_every_stream_has_its_own_key():
    """Stream names map to distinct spawn keys, so no two processes share draws."""
    assert len({stable_key(name) for name in STREAMS}) == len(STREAMS)


def test_a_streams_draws_come_from_its_name_not_from_the_order_streams_are_made():
    """Making other streams first, or drawing from them, leaves a stream's draws unchanged."""
    root = np.random.SeedSequence(7)
    alone = Streams(root).generator("spam.bursts").random(5)
    crowded = Streams(root)
    for name in STREAMS:
        crowded.generator(name).random(100)
    np.testing.assert_array_equal(crowded.generator("spam.bursts").random(5), alone)
    assert not np.array_equal(Streams(root).generator("economy.downturns").random(5), alone)
    with pytest.raises(KeyError, match="unknown random stream"):
        Streams(root).generator("no.such.stream")


def test_a_weeks_substream_does_not_depend_on_other_weeks():
    """Week w's draws are the same whether or not other weeks were drawn before, and in any order."""
    streams = Streams(np.random.SeedSequence(3))
    direct = streams.weekly("developers.switching").at(40).random(4).copy()
    other = Streams(np.random.SeedSequence(3)).weekly("developers.switching")
    for week in (41, 3, 39):
        other.at(week).random(1000)
    np.testing.assert_array_equal(other.at(40).random(4), direct)
    assert not np.array_equal(other.at(39).random(4), direct)


def test_poisson_counts_by_inversion_are_poisson_quantiles_and_monotone_in_the_mean():
    """The count is the Poisson quantile of its uniform; a slightly larger mean never lowers a count, by at most one."""
    uniforms = np.random.default_rng(1).random(20_000)
    for mean in (0.0, 0.02, 3.0, 250.0, 40_000.0):
        expected = poisson.ppf(uniforms, mean) if mean > 0 else np.zeros(uniforms.size)
        np.testing.assert_array_equal(poisson_counts(uniforms, np.full(uniforms.size, mean)), expected)
    low, high = (
        poisson_counts(uniforms, np.full(uniforms.size, 900.0)),
        poisson_counts(uniforms, np.full(20_000, 900.3)),
    )
    assert ((high - low) >= 0).all() and ((high - low) <= 1).all() and (high != low).any()


def test_the_models_processes_never_draw_from_mesas_generator():
    """`model.rng` stays Mesa's: a year of the model leaves its state as it was after construction."""
    model = RegistryModel(rng=4, n_developers=500, n_corporations=200)
    state = model.rng.bit_generator.state
    model.run_for(60)
    assert model.rng.bit_generator.state == state


def test_a_pledge_of_one_dollar_more_leaves_exogenous_events_unchanged(runs):
    """Pledge 2000 -> 2001 over ten years: downturns, worms, spam bursts, umbrella misses and donors leaving are the same."""
    base = exogenous_events(runs(seed=SEED))
    assert all(base.values()), base  # every kind happens, so the comparison below can fail
    assert exogenous_events(runs(seed=SEED, pledge_usd_per_developer=2001.0)) == base


def test_a_per_package_fee_leaves_worm_starts_and_downturns_unchanged(runs):
    """A per-package fee acts on developers and money, not on when worms start or downturns come."""
    base, fee = runs(seed=SEED), runs("per-package-fee", seed=SEED)
    assert not fee.registries["revenue_fees_usd"].eq(0).all()  # the fee acted
    for kind in ("downturn years", "worm start weeks"):
        assert exogenous_events(fee)[kind] == exogenous_events(base)[kind]


def test_a_missed_umbrella_round_leaves_malware_arrival_counts_unchanged(runs):
    """With alternatives off (so the lever cannot reach arrival rates), every open registry's weekly counts are the same."""
    quiet = {"alternatives_enabled": False}
    base = runs(seed=SEED, **quiet).registries.set_index(["time", "registry"])
    missed = runs("funder-misses-round", seed=SEED, **quiet).registries.set_index(["time", "registry"])
    both = base.merge(missed, left_index=True, right_index=True, suffixes=("_base", "_missed"))
    assert not np.allclose(both["removal_median_hours_base"], both["removal_median_hours_missed"])  # the lever acted
    open_in_both = (both["status_base"] != "shut_down") & (both["status_missed"] != "shut_down")
    counts = both.loc[open_in_both, ["malware_arrivals_base", "malware_arrivals_missed"]]
    assert len(counts) > 1000 and counts["malware_arrivals_base"].sum() > 0  # enough open registry-weeks to compare
    pd.testing.assert_series_equal(
        counts["malware_arrivals_base"], counts["malware_arrivals_missed"], check_names=False
    )
