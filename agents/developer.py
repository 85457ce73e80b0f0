"""DeveloperAgent: a thin view onto one row of the model's developer arrays.

The population lives in numpy arrays on the model (`model.developers`, see
`model/developers.py`) and is updated for everyone at once. A `DeveloperAgent` reads and
writes its own row, so Mesa tools, the app and tests can look at one developer; its
`switch_reference` method is the readable per-agent statement of the switching rule that
the vectorised version must agree with.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa import Agent

if TYPE_CHECKING:
    from model.model import RegistryModel


class DeveloperAgent(Agent):
    """One sampled package publisher (standing for many real ones)."""

    def __init__(self, model: RegistryModel, index: int) -> None:
        """Bind the view to row `index` of the developer arrays."""
        super().__init__(model)
        self.index = index

    @property
    def _population(self):
        """The model's developer arrays."""
        return self.model.developers

    @property
    def home(self) -> str:
        """Name of the registry the developer publishes on."""
        return self.model.registry_names[self._population.home[self.index]]

    @property
    def ecosystem(self) -> str:
        """Name of the incumbent whose ecosystem the developer belongs to."""
        return self.model.registry_names[self._population.ecosystem[self.index]]

    @property
    def packages(self) -> float:
        """Packages the developer maintains."""
        return float(self._population.packages[self.index])

    @property
    def publish_rate(self) -> float:
        """New packages published per week (before the AI-assistance multiplier)."""
        return float(self._population.publish_rate[self.index])

    @property
    def fee_sensitivity(self) -> float:
        """Weight the developer gives to fee burden."""
        return float(self._population.fee_sensitivity[self.index])

    @property
    def switching_cost(self) -> float:
        """Utility cost of moving registry."""
        return float(self._population.switching_cost[self.index])

    @property
    def security_awareness(self) -> float:
        """Weight the developer gives to a registry's removal delay, 0 to 1."""
        return float(self._population.security_awareness[self.index])

    @property
    def token_hygiene(self) -> float:
        """Share of the developer's publishing done with short-lived or trusted-publishing tokens."""
        return float(self._population.token_hygiene[self.index])

    @property
    def compromised(self) -> bool:
        """Whether the developer's publish token is currently stolen."""
        return bool(self._population.compromised[self.index])

    def published_reference(self, multiplier: float) -> float:
        """Reference rule: real new packages this developer (and those it stands for) publish this week."""
        return self.publish_rate * multiplier * self._population.represented

    def switch_reference(self, uniform: float, context: dict) -> int:
        """Reference rule: the registry index this developer is on after this week's choice.

        `context` holds the start-of-week values every developer sees (`SwitchContext` in
        `model/developers.py`): for each registry its yearly fee per package and per
        publisher, removal median, reach, and which registry is the alternative option.
        """
        p = self.model.p
        home = int(self._population.home[self.index])
        other = context["option"][home]
        if other < 0:
            return home  # no alternative open in this ecosystem
        utility = self.utility_of_moving_reference(context)
        hazard = p.switching_hazard_per_week / (1 + math.exp(-min(max(utility, -700.0), 700.0)))
        return other if uniform < hazard else home

    def utility_of_moving_reference(self, context: dict) -> float:
        """Reference rule: the utility of moving to the other registry open to this developer."""
        from model.developers import fee_usd_per_utility  # here: model.developers imports the model package

        p = self.model.p
        home = int(self._population.home[self.index])
        other = context["option"][home]
        rate = self.publish_rate * context["publishing_multiplier"]

        def fee(registry: int) -> float:
            """Yearly fees (USD) this developer would pay on `registry`."""
            return context["fee_per_package"][registry] * rate * 52 + context["fee_per_publisher"][registry]

        fee_gap = (fee(home) - fee(other)) / fee_usd_per_utility(p)
        risk_gap = math.log(context["live_hours"][home] / context["live_hours"][other])
        return (
            p.fee_weight * self.fee_sensitivity * fee_gap
            + p.security_weight * self.security_awareness * risk_gap
            + p.peer_weight * context["peer_share"][other]
            - p.network_weight * math.log(context["reach"][home] / context["reach"][other])
            - self.switching_cost
        )

    # ----- steps for the per-agent reference model (model/reference.py, run with shuffle_do) ------
    def tally_publishing(self, weekly_by_registry: list[float]) -> None:
        """Add this developer's publishing rate to its home registry's weekly tally."""
        weekly_by_registry[int(self._population.home[self.index])] += self.publish_rate

    def decide_home(self, uniforms, context: dict, new_homes) -> None:
        """Choose this week's home with the reference rule and write it to `new_homes` (synchronous)."""
        new_homes[self.index] = self.switch_reference(float(uniforms[self.index]), context)

    def count_gain(self, context: dict, candidates: set[int], gaining: list[int]) -> None:
        """If this developer's ecosystem is a candidate for entry, count it when moving would pay."""
        ecosystem = int(self._population.ecosystem[self.index])
        if ecosystem in candidates and self.utility_of_moving_reference(context) > 0:
            gaining[ecosystem] += 1
