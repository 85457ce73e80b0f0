"""The worm outbreak on bare targets: containment, the package cap, spill across registries, tokens and hygiene."""

from __future__ import annotations

import numpy as np

from model.worms import WormTarget, simulate_outbreak


def target(name: str, maintainers: int = 500, packages: float = 50.0, hygiene: float = 0.0, removal_hours=40.0):
    """A registry as a worm meets it: maintainers with equal holdings and hygiene, a removal median."""
    return WormTarget(
        name=name,
        removal_median_hours=removal_hours,
        removal_sigma=1.5,
        hygiene=np.full(maintainers, hygiene),
        packages=np.full(maintainers, packages),
        installs_per_package_hour=10.0,
    )


def outbreak(targets, seed: int = 0, **overrides):
    """One outbreak starting at registry 0 with the model's defaults (reproduction number above 1 at a 40 h removal median)."""
    settings = {
        "packages_per_token": 20,
        "maintainer_installs_per_hour": 0.006,
        "theft_prob": 0.5,
        "detection_hours": 2.0,
        "detection_sigma": 1.0,
        "spill_prob": 0.0,
        "containment_factor": 4.0,
        "containment_max_hours": 168.0,
        "max_packages": 20_000,
    }
    return simulate_outbreak(np.random.default_rng(seed), targets, 0, 1, **{**settings, **overrides})


def test_containment_ends_every_live_version_by_its_deadline():
    """Nothing stays live after factor x removal median from first contact, nor after the maximum hours."""
    for seed in range(5):
        row = outbreak({0: target("a", removal_hours=40.0)}, seed, containment_factor=0.5)
        assert 0 < row["duration_hours"] <= 0.5 * 40.0
        capped = outbreak({0: target("a", removal_hours=40.0)}, seed, containment_max_hours=6.0)
        assert capped["duration_hours"] <= 6.0
    slow = outbreak({0: target("a", removal_hours=40.0)}, 0, containment_factor=100.0)
    fast = outbreak({0: target("a", removal_hours=40.0)}, 0, containment_factor=0.5)
    assert slow["packages_compromised"] > fast["packages_compromised"]


def test_an_outbreak_stops_at_the_package_cap():
    """Compromises stop once `max_packages` is reached (the last token may overshoot by less than k)."""
    row = outbreak({0: target("a")}, 1, max_packages=300, containment_factor=100.0)
    assert 300 <= row["packages_compromised"] < 300 + 20


def test_a_token_republishes_at_most_k_of_its_holders_packages():
    """Each compromise republishes min(k, packages held): 3 each when holders have 3, k = 20 when they have 50."""
    small = outbreak({0: target("a", packages=3.0)}, 2)
    assert small["packages_compromised"] == 3 * small["maintainers_compromised"]
    large = outbreak({0: target("a", packages=50.0)}, 2)
    assert large["packages_compromised"] == 20 * large["maintainers_compromised"]
    assert large["packages_first_24h"] <= large["packages_compromised"]


def test_no_theft_without_exposure():
    """With perfect token hygiene, or no chance of theft, only the first maintainer is compromised."""
    assert outbreak({0: target("a", hygiene=1.0)}, 3)["maintainers_compromised"] == 1
    assert outbreak({0: target("a")}, 3, theft_prob=0.0)["maintainers_compromised"] == 1


def test_spill_reaches_other_registries_only_with_maintainers_and_a_spill_chance():
    """Stolen tokens stay home at spill 0; at spill 1 they go elsewhere; a registry with no maintainers is never reached."""
    two = {0: target("a"), 1: target("b")}
    assert outbreak(two, 4)["registries_reached"] == 1
    assert outbreak(two, 4, spill_prob=1.0)["registries_reached"] == 2
    empty = {0: target("a"), 1: target("b", maintainers=0)}
    assert outbreak(empty, 4, spill_prob=1.0)["registries_reached"] == 1


def test_the_same_draws_give_the_same_outbreak():
    """An outbreak is a function of its random stream."""
    assert outbreak({0: target("a"), 1: target("b")}, 9, spill_prob=0.01) == outbreak(
        {0: target("a"), 1: target("b")}, 9, spill_prob=0.01
    )
