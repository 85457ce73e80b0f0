"""The developer population: numpy arrays owned by the model, updated for all developers at once.

Each sampled developer stands for `represented` real publishers. The switching rule here is
the vectorised twin of `DeveloperAgent.switch_reference`; `tests/test_developers.py` checks
that both make the same decisions on the same random draws. Developers are updated
synchronously: everyone sees the same snapshot of the registries (taken in the decision
step, after this week's money and security updates; documented in docs/model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.parameters import ModelParameters
    from model.profiles import RegistryProfile

PUBLISH_RATE_SIGMA = 1.5  # assumption: heavy-tailed publishing (top 10% publish ~55-60%; Maven: 88% [A5])
PACKAGE_YEARS = 5.0  # assumption: a developer's package stock is about five years of publishing


@dataclass
class SwitchContext:
    """What every developer sees at the start of the week, indexed by registry index."""

    option: np.ndarray  # for each registry, the index of the other registry open to its developers, or -1
    fee_per_package: np.ndarray  # USD per new package
    fee_per_publisher: np.ndarray  # USD per publisher per year
    removal_hours: np.ndarray  # removal median, hours
    reach: np.ndarray  # downloads per week
    peer_share: np.ndarray  # share of the ecosystem's developers on each registry
    publishing_multiplier: float  # AI-assistance multiplier times publishing growth since the start

    def as_dict(self) -> dict:
        """Plain values for the per-agent reference rule."""
        return {
            "option": self.option.tolist(),
            "fee_per_package": self.fee_per_package.tolist(),
            "fee_per_publisher": self.fee_per_publisher.tolist(),
            "removal_hours": self.removal_hours.tolist(),
            "reach": self.reach.tolist(),
            "peer_share": self.peer_share.tolist(),
            "publishing_multiplier": self.publishing_multiplier,
        }


@dataclass
class DeveloperPopulation:
    """State of every sampled developer, one array entry each."""

    home: np.ndarray  # registry index where the developer publishes
    ecosystem: np.ndarray  # index of the incumbent whose ecosystem the developer belongs to
    packages: np.ndarray
    publish_rate: np.ndarray  # new packages per week, before the AI multiplier
    fee_sensitivity: np.ndarray
    switching_cost: np.ndarray
    security_awareness: np.ndarray
    token_hygiene: np.ndarray
    compromised: np.ndarray
    represented: float  # real publishers per sampled developer

    @classmethod
    def sample(cls, p: ModelParameters, profiles: tuple[RegistryProfile, ...], rng: np.random.Generator):
        """Draw the population: ecosystems by publisher counts, publishing calibrated to the profiles."""
        publishers = np.array([profile.publishers for profile in profiles], dtype=float)
        counts = np.maximum(1, np.floor(p.n_developers * publishers / publishers.sum())).astype(int)
        counts[np.argmax(counts)] += p.n_developers - counts.sum()
        ecosystem = np.repeat(np.arange(len(profiles)), counts).astype(np.int16)
        n = len(ecosystem)
        represented = publishers.sum() / n
        raw_rate = rng.lognormal(0.0, PUBLISH_RATE_SIGMA, n)
        publish_rate = np.empty(n)
        growth = (1 + p.publishing_growth_per_year) ** (p.start_year - 2026)
        for index, profile in enumerate(profiles):
            members = ecosystem == index
            target = profile.new_packages_per_week * growth / represented
            publish_rate[members] = raw_rate[members] * target / raw_rate[members].sum()
        hygiene_a = 4 * p.token_hygiene_mean
        return cls(
            home=ecosystem.copy(),
            ecosystem=ecosystem,
            packages=1 + publish_rate * 52 * PACKAGE_YEARS,
            publish_rate=publish_rate,
            fee_sensitivity=rng.lognormal(0.0, 0.5, n),
            switching_cost=p.switching_cost_mean * rng.lognormal(-0.125, 0.5, n),
            security_awareness=rng.beta(2.0, 2.0, n),
            token_hygiene=rng.beta(hygiene_a, 4 - hygiene_a, n),
            compromised=np.zeros(n, dtype=bool),
            represented=represented,
        )

    def __len__(self) -> int:
        """Number of sampled developers."""
        return len(self.home)

    def on_registry(self, n_registries: int) -> np.ndarray:
        """Sampled developers on each registry."""
        return np.bincount(self.home, minlength=n_registries)

    def publishing_per_registry(self, n_registries: int, multiplier: float) -> np.ndarray:
        """Real new packages per week published on each registry."""
        weekly = np.bincount(self.home, weights=self.publish_rate, minlength=n_registries)
        return weekly * multiplier * self.represented

    def switching_utility(self, context: SwitchContext, p: ModelParameters) -> tuple[np.ndarray, np.ndarray]:
        """Each developer's utility of moving to its ecosystem's other registry, and that registry."""
        home = self.home
        other = context.option[home]
        target = np.where(other >= 0, other, home)
        rate = self.publish_rate * context.publishing_multiplier * 52
        fee_home = context.fee_per_package[home] * rate + context.fee_per_publisher[home]
        fee_other = context.fee_per_package[target] * rate + context.fee_per_publisher[target]
        utility = (
            p.fee_weight * self.fee_sensitivity * (fee_home - fee_other) / p.fee_reference_usd_per_year
            + p.security_weight * self.security_awareness
            * np.log(context.removal_hours[home] / context.removal_hours[target])
            + p.peer_weight * context.peer_share[target]
            - p.network_weight * np.log(context.reach[home] / context.reach[target])
            - self.switching_cost
        )
        return utility, np.where(other >= 0, other, -1)

    def choose_homes(self, context: SwitchContext, uniforms: np.ndarray, p: ModelParameters) -> np.ndarray:
        """New home of every developer: leave with hazard h0 * sigmoid(utility) (vectorised rule)."""
        utility, other = self.switching_utility(context, p)
        hazard = p.switching_hazard_per_week / (1 + np.exp(-np.clip(utility, -700, 700)))
        move = (other >= 0) & (uniforms < hazard)
        return np.where(move, other, self.home).astype(self.home.dtype)


def latent_demand(population: DeveloperPopulation, context: SwitchContext, p: ModelParameters) -> np.ndarray:
    """Share of each ecosystem's developers who would gain by moving to its (hypothetical) alternative."""
    utility, _ = population.switching_utility(context, p)
    size = np.bincount(population.ecosystem)
    gaining = np.bincount(population.ecosystem, weights=(utility > 0).astype(float), minlength=size.size)
    return gaining / np.maximum(size, 1)
