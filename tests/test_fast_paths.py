"""The faster ways the model computes things give what the plain ways gave (docs/model.md, "How a run is computed")."""

from __future__ import annotations

import pandas as pd
from mesa.datacollection import DataCollector

from agents.registry import RegistryAgent
from model import reporters
from model.model import RegistryModel
from model.scenarios import load_scenario


class MesaCollected(RegistryModel):
    """The model with Mesa's DataCollector running beside its own weekly collector."""

    def __init__(self, *args, **kwargs) -> None:
        """Build the model and a Mesa DataCollector with the same reporters."""
        super().__init__(*args, **kwargs)
        self.mesa_collector = DataCollector(
            model_reporters=reporters.MODEL_REPORTERS,
            agenttype_reporters={RegistryAgent: reporters.REGISTRY_REPORTERS},
        )
        own = self.datacollector
        collect = own.collect

        def both(model) -> None:
            """Collect with the model's collector, then with Mesa's."""
            collect(model)
            self.mesa_collector.collect(model)

        own.collect = both


def test_the_weekly_collector_gives_the_frames_mesas_data_collector_gave():
    """Same columns, index, types and values, with an alternative opening (registries added during the run)."""
    params = load_scenario("status-quo").parameters(n_developers=3000)
    model = MesaCollected(params, rng=4)
    model.run_for(4 * 52)
    assert len(model.registry_list) > model.n_incumbents  # an alternative opened
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(), model.mesa_collector.get_model_vars_dataframe()
    )
    pd.testing.assert_frame_equal(
        model.datacollector.get_agenttype_vars_dataframe(RegistryAgent),
        model.mesa_collector.get_agenttype_vars_dataframe(RegistryAgent),
    )
