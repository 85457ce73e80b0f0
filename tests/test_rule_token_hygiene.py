"""Token hygiene can change in a running model: practices spread, and each developer keeps its rank."""

from __future__ import annotations

import numpy as np
import pytest

from model import RegistryModel
from model.worms import outbreak_targets

SMALL = {"n_developers": 2000, "n_corporations": 60}


def test_a_new_mean_moves_every_developer_to_its_own_quantile():
    model = RegistryModel(rng=4, **SMALL)
    before = model.developers.token_hygiene.copy()
    model.set_parameters(token_hygiene_mean=0.6)
    after = model.developers.token_hygiene
    assert after.mean() == pytest.approx(0.6, abs=0.02)
    assert (np.argsort(before, kind="stable") == np.argsort(after, kind="stable")).all()  # ranks kept
    assert (after > before).all()  # a higher mean raises every developer's hygiene


def test_moving_the_mean_there_and_back_restores_the_draws():
    model = RegistryModel(rng=4, **SMALL)
    before = model.developers.token_hygiene.copy()
    model.set_parameters(token_hygiene_mean=0.1)
    model.set_parameters(token_hygiene_mean=0.3)
    assert model.developers.token_hygiene == pytest.approx(before, rel=1e-6, abs=1e-9)


def test_a_worm_meets_the_new_hygiene_at_every_registry():
    """A run that raises the mean mid-run meets worms with better hygiene at every registry."""
    model = RegistryModel(rng=4, **SMALL)
    low = {i: t.hygiene.mean() for i, t in outbreak_targets(model).items()}
    model.set_parameters(token_hygiene_mean=0.9)
    high = {i: t.hygiene.mean() for i, t in outbreak_targets(model).items()}
    assert all(high[i] > low[i] for i in low)
