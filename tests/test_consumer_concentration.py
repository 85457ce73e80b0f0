"""Consumer concentration: usage is sampled in Pareto strata per registry, so the heaviest 1% hold the same share in every seed."""

import numpy as np
import pytest

from experiments.validation import top_share
from model import RegistryModel
from model.corporations import pareto_strata

SMALL = {"n_developers": 200}


def test_the_strata_give_the_population_top_share():
    for n in (200, 2000):
        strata = pareto_strata(n, 1.05)
        assert np.all(np.diff(strata) < 0)  # heaviest first
        assert strata[: n // 100].sum() / strata.sum() == pytest.approx(0.01 ** (1 - 1 / 1.05))


@pytest.mark.parametrize("seed", range(4))
def test_every_registry_s_top_1pct_share_holds_in_every_seed(seed):
    model = RegistryModel(rng=seed, **SMALL)
    population = model.corporations
    expected = 0.01 ** (1 - 1 / model.p.consumer_pareto_alpha)
    for index in range(model.n_incumbents):
        volume = population.usage_share * population.dependency_shares[:, index]
        if (volume > 0).sum() >= 200:  # enough users that the top 1% is two firms or more
            assert abs(top_share(volume) - expected) < 0.02
    assert population.usage_share.sum() == pytest.approx(1.0)
    assert np.allclose(population.dependency_shares.sum(axis=1), 1.0)


def test_the_tail_changes_no_other_draw_of_the_firms():
    steep, flat = (
        RegistryModel(rng=5, **SMALL).corporations,
        RegistryModel(rng=5, consumer_pareto_alpha=3.0, **SMALL).corporations,
    )
    assert np.array_equal(steep.budget_week, flat.budget_week)
    assert np.array_equal(steep.developers, flat.developers)
    assert [set(d) for d in steep.dependencies] == [set(d) for d in flat.dependencies]
    for index in range(steep.dependency_shares.shape[1]):  # each registry's users keep their order
        volume = [population.usage_share * population.dependency_shares[:, index] for population in (steep, flat)]
        assert np.array_equal(*(np.argsort(-v, kind="stable") for v in volume))
