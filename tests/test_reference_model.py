"""The per-agent reference model (shuffle_do) gives the same run; fast paths agree with plain evaluation; views are lazy."""

import numpy as np
import pandas as pd
import pytest

from agents.developer import DeveloperAgent
from model import RegistryModel
from model.developers import latent_demand
from model.ecosystem import switch_context
from model.reference import ReferenceRegistryModel
from model.runner import events_frame, model_frame, registry_frame
from model.scenarios import load_scenario


def _frames(model_class, params):
    """Run two years and return the model's tidy frames."""
    model = model_class(params, rng=3)
    model.run_for(104)
    return model, (model_frame(model), registry_frame(model), events_frame(model))


def test_reference_model_gives_the_same_run():
    """Publishing, switching and entry stepped agent by agent reproduce the vectorised run exactly."""
    params = load_scenario("per-package-fee").parameters(
        n_developers=1500, per_package_fee_usd=100.0, alt_sustained_demand_weeks=4, alt_build_weeks=8
    )  # a fee and a quick build that make alternatives open within the two years
    fast_model, fast = _frames(RegistryModel, params)
    reference_model, reference = _frames(ReferenceRegistryModel, params)
    for fast_frame, reference_frame in zip(fast, reference):
        pd.testing.assert_frame_equal(fast_frame, reference_frame, check_exact=True)
    assert fast_model.alternatives  # alternatives entered ...
    assert (fast_model.developers.home >= 5).sum() > 0  # ... and developers moved to them
    assert len(reference_model.agents_by_type[DeveloperAgent]) == 1500


def test_developer_views_are_created_on_access():
    """A model makes no DeveloperAgent until one is asked for; then it is a registered Mesa agent."""
    model = RegistryModel(rng=1, n_developers=300)
    assert DeveloperAgent not in model.agent_types
    agent = model.developer_agent(12)
    assert agent is model.developer_agent(12) and agent in model.agents and agent.index == 12
    views = model.developer_agents
    assert [view.index for view in views] == list(range(300)) and views[12] is agent
    assert len(model.agents_by_type[DeveloperAgent]) == 300


@pytest.mark.parametrize("fee, subscription", [(0.0, 0.0), (10.0, 0.0), (80.0, 0.0), (0.0, 100.0), (400.0, 50.0)])
def test_entry_demand_skipping_agrees_with_evaluating_everyone(fee, subscription):
    """Developers who gain, counted with the switching-cost bound, equal evaluating every developer."""
    model = RegistryModel(
        rng=4, n_developers=4000, per_package_fee_usd=fee, publisher_subscription_usd_per_year=subscription
    )
    model.run_for(1)
    developers = model.developers
    for reach_share, multiplier in ((0.05, 1.0), (0.3, 3.0), (1.0, 1.0)):
        candidates = {index: model.registry_list[index].downloads_per_week * reach_share for index in range(5)}
        model.set_parameters(ai_publishing_multiplier=multiplier)
        context = switch_context(model, hypothetical=candidates)
        everyone = latent_demand(developers, context, model.p)
        np.testing.assert_array_equal(
            latent_demand(developers, context, model.p, ecosystems=list(candidates)), everyone
        )
        for index in candidates:
            counted = developers.count_gaining(context, model.p, index)
            assert counted == round(everyone[index] * developers.ecosystem_sizes(5)[index])


def test_whole_weeks_is_exact_floor_division():
    """The fast week binning equals `hours // 168` everywhere, including at and next to week boundaries."""
    from model.malware import whole_weeks

    boundaries = 168.0 * np.arange(1, 6000)
    hours = np.concatenate(
        [
            np.random.default_rng(0).random(50_000) * 168 * 300,
            boundaries,
            np.nextafter(boundaries, 0),
            np.nextafter(boundaries, np.inf),
            [0.0, 5e-324],
        ]
    )
    np.testing.assert_array_equal(whole_weeks(hours), (hours // 168.0).astype(np.int64))


def test_choosing_homes_from_low_uniforms_only_agrees_with_evaluating_everyone():
    """Evaluating only developers whose uniform is below the hazard ceiling moves the same developers."""
    from model.ecosystem import enter

    model = RegistryModel(rng=6, n_developers=20_000, per_package_fee_usd=40.0, switching_hazard_per_week=0.03)
    model.run_for(1)
    for index in range(5):
        if index not in model.alternatives:
            enter(model, index)
    context = switch_context(model, hypothetical=None)
    uniforms = np.random.default_rng(11).random(len(model.developers))
    utility, other = model.developers.switching_utility(context, model.p)
    hazard = model.p.switching_hazard_per_week / (1 + np.exp(-np.clip(utility, -700, 700)))
    everyone = np.where((other >= 0) & (uniforms < hazard), other, model.developers.home)
    chosen = model.developers.choose_homes(context, uniforms, model.p)
    np.testing.assert_array_equal(chosen, everyone)
    assert (chosen != model.developers.home).sum() > 10
