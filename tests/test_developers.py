"""Developers: the vectorised rule agrees with the per-agent reference; developers are conserved."""

import numpy as np
import pytest

from agents.developer import DeveloperAgent
from model import RegistryModel
from model.ecosystem import switch_context


@pytest.mark.parametrize("fee", [0.0, 20.0, 200.0])
def test_fast_switching_agrees_with_reference_on_the_same_draws(fee):
    """With an alternative open, both versions move exactly the same developers."""
    model = RegistryModel(rng=5, per_package_fee_usd=fee, n_developers=3000, switching_hazard_per_week=0.5)
    model.run_for(2)
    for index in range(5):
        if index not in model.alternatives:
            from model.ecosystem import enter

            enter(model, index)
    context = switch_context(model)
    uniforms = np.random.default_rng(9).random(len(model.developers))
    fast = model.developers.choose_homes(context, uniforms, model.p)
    plain = context.as_dict()
    reference = np.array(
        [agent.switch_reference(float(u), plain) for agent, u in zip(model.developer_agents, uniforms)]
    )
    assert np.array_equal(fast, reference)
    assert (fast != model.developers.home).sum() > 0  # the test exercises moves, not only stays


def test_developer_agents_are_views():
    """A DeveloperAgent reads its row of the arrays and is a registered Mesa agent."""
    model = RegistryModel(rng=1, n_developers=500)
    agent = model.developer_agents[7]
    assert isinstance(agent, DeveloperAgent) and agent in model.agents
    model.developers.home[7] = 6
    assert agent.home == "npm-alt" and agent.ecosystem == model.registry_names[model.developers.ecosystem[7]]
    assert 0 <= agent.token_hygiene <= 1 and agent.packages >= 1


def test_developers_are_conserved_every_week(runs):
    """Publishers across all registries add up to the same total every week, with fees driving moves."""
    registries = runs("per-package-fee", years=3, seed=1, per_package_fee_usd=80.0).registries
    totals = registries.groupby("time")["publishers"].sum()
    np.testing.assert_allclose(totals, totals.iloc[0], rtol=1e-9)
    assert (registries["kind"] == "alternative").any()


def test_fast_publishing_agrees_with_reference():
    """Per-registry publishing from the arrays equals the sum of each developer's reference rule."""
    model = RegistryModel(rng=2, n_developers=2000)
    model.developers.home[:50] = 5 + model.developers.ecosystem[:50]  # some developers on alternatives
    fast = model.developers.publishing_per_registry(10, multiplier=1.7)
    reference = np.zeros(10)
    for agent in model.developer_agents:
        reference[model.registry_names.index(agent.home)] += agent.published_reference(1.7)
    np.testing.assert_allclose(fast, reference, rtol=1e-12)
