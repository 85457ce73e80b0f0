"""The per-agent reference model (shuffle_do) and the vectorised model give the same run; views are lazy."""

import pandas as pd

from agents.developer import DeveloperAgent
from model import RegistryModel
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
    params = load_scenario("per-package-fee").parameters(n_developers=1500)
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
