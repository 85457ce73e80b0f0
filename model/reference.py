"""The per-agent reference model: the same developer and firm rules, one agent at a time.

`ReferenceRegistryModel` is `RegistryModel` with its three developer rules (publishing,
switching, the entry test for alternatives) restated as methods of each `DeveloperAgent`
and run through Mesa's `AgentSet.shuffle_do`, and its firms' yearly support decisions taken
one `CorporationAgent` at a time (`FirmByFirm`). Everything else is the model itself. It is the
readable statement the vectorised arrays must agree with, and the baseline that
`benchmarks/speed.py` measures the vectorised model against. Developers decide on one
snapshot (synchronous update), so the random order of `shuffle_do` does not change results;
that order is drawn from its own stream so the model's own random draws stay the same.
Publishing rates are added up in row order so that the weekly totals are the same floats
as the vectorised sum.
"""

from __future__ import annotations

from random import Random
from typing import Any

import numpy as np
from mesa.agent import AgentSet

from model.developers import SwitchContext
from model.model import RegistryModel

#: Seed of the stream that orders `shuffle_do` (results do not depend on the order).
SHUFFLE_SEED = 20260101


class FirmByFirm(RegistryModel):
    """RegistryModel whose firms decide and pay one `CorporationAgent` at a time, in row order."""

    def decide_firms(self, rows: np.ndarray) -> None:
        """Each firm at its budget week runs `decide_support` (keep, renew or re-decide, then pay); a heavy one then responds to charges."""
        for row in rows.tolist():
            firm = self.corporation_agents[row]
            firm.decide_support()
            if firm.heavy:
                self.consumers.decide(self, row)


class ReferenceRegistryModel(FirmByFirm):
    """RegistryModel whose developers are stepped one agent at a time (slow; for checks and benchmarks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the model, then a `DeveloperAgent` for every developer row."""
        super().__init__(*args, **kwargs)
        self.developer_set = AgentSet(self.developer_agents, random=Random(SHUFFLE_SEED))

    def new_packages_per_registry(self, multiplier: float) -> np.ndarray:
        """Each developer adds its publishing rate to its home's tally (in row order)."""
        weekly = [0.0] * len(self.registry_names)
        self.developer_set.do("tally_publishing", weekly)
        return np.array(weekly) * multiplier * self.developers.represented

    def choose_developer_homes(self, context: SwitchContext, uniforms: np.ndarray) -> np.ndarray:
        """Each developer applies `switch_reference` to the shared snapshot, in random order."""
        new_homes = self.developers.home.copy()
        self.developer_set.shuffle_do("decide_home", uniforms, context.as_dict(), new_homes)
        return new_homes

    def entry_demand(self, context: SwitchContext, candidates: list[int]) -> np.ndarray:
        """Each developer in a candidate ecosystem says whether moving would pay."""
        size = self.developers.ecosystem_sizes(len(context.option) // 2)
        gaining = [0] * size.size
        self.developer_set.shuffle_do("count_gain", context.as_dict(), set(candidates), gaining)
        return np.array(gaining, dtype=float) / np.maximum(size, 1)
