"""CorporationAgent: a consumer firm that chooses how, if at all, to support registries."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING

from mesa import Agent

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel

WEEKS_PER_YEAR = 52


class SupportMode(StrEnum):
    """How a firm supports the registries it depends on."""

    NONE = "none"
    DONATION = "donation"  # discretionary, re-decided yearly, paid once a year
    OPEX = "opex"  # an operating-cost contract over several years, paid weekly
    PAID = "paid"  # a paid (enterprise) tier bought from the registry


class CorporationAgent(Agent):
    """A consuming firm: size, heavy-tailed usage, dependencies, and a support mode."""

    def __init__(
        self,
        model: RegistryModel,
        developers: float,
        usage_share: float,
        dependencies: dict[str, float],
        budget_week: int,
        heavy: bool,
    ) -> None:
        """Create a firm with its size, share of corporate downloads and registry mix."""
        super().__init__(model)
        self.developers = developers
        self.usage_share = usage_share
        self.dependencies = dependencies  # registry name -> share of the firm's downloads there
        self.budget_week = budget_week
        self.heavy = heavy
        self.mode = SupportMode.NONE
        self.contract_end_time = -1.0
        self.incident_memory = 0.0
        self.harm_usd = 0.0

    # ----- decisions --------------------------------------------------------------------------
    def support_utilities(self) -> dict[SupportMode, float]:
        """Logit utilities of each support mode (docs/model.md, 'Corporate support choice')."""
        p, m = self.model.p, self.model
        cost_ratio = p.pledge_usd_per_developer / p.it_budget_usd_per_developer
        support = (
            p.support_base_utility
            + p.norm_weight * m.support_share
            + p.memory_weight * self.incident_memory
            + p.regulation_weight * p.regulation_mandates_support
            - p.cost_weight * cost_ratio
        )
        utilities = {SupportMode.NONE: 0.0}
        if p.opex_budget_share < 1:
            penalty = p.downturn_donation_penalty if m.downturn else 0.0
            utilities[SupportMode.DONATION] = support + math.log(1 - p.opex_budget_share) - penalty
        if p.opex_budget_share > 0:
            utilities[SupportMode.OPEX] = support + math.log(p.opex_budget_share)
        if self.heavy and self.paid_tier_registries():
            price_ratio = p.enterprise_tier_usd_per_year / (self.developers * p.it_budget_usd_per_developer)
            utilities[SupportMode.PAID] = (
                p.paid_tier_base_utility + p.regulation_weight * p.regulation_mandates_support
                - p.cost_weight * price_ratio
            )
        return utilities

    def paid_tier_registries(self) -> list[str]:
        """Registries this firm uses that sell an enterprise tier."""
        return [name for name in self.dependencies if self.model.sells_enterprise_tier(name)]

    def choose_mode(self, uniform: float) -> SupportMode:
        """Pick a support mode by multinomial logit, using one uniform draw."""
        utilities = self.support_utilities()
        top = max(utilities.values())
        weights = {mode: math.exp(u - top) for mode, u in utilities.items()}
        threshold = uniform * sum(weights.values())
        cumulative = 0.0
        for mode, weight in weights.items():
            cumulative += weight
            if threshold < cumulative:
                return mode
        return SupportMode.NONE

    def decide_support(self) -> None:
        """At the budget week: keep a running opex contract, else re-decide by logit."""
        m = self.model
        self.incident_memory *= m.memory_decay_per_week
        if m.week_of_year != self.budget_week:
            return
        draw = m.rng.random()
        if self.mode == SupportMode.OPEX and m.time < self.contract_end_time:
            return
        if self.mode == SupportMode.OPEX and draw < m.p.opex_renewal_prob:
            self.contract_end_time = m.time + m.p.opex_contract_years * WEEKS_PER_YEAR
            return
        self.set_mode(self.choose_mode(m.rng.random()))
        if self.mode == SupportMode.DONATION:
            self.pay(SupportMode.DONATION, self.support_usd_per_year())

    def set_mode(self, mode: SupportMode) -> None:
        """Adopt a mode; an opex contract starts its term."""
        if mode == SupportMode.OPEX and self.mode != SupportMode.OPEX:
            self.contract_end_time = self.model.time + self.model.p.opex_contract_years * WEEKS_PER_YEAR
        self.mode = mode

    # ----- money ------------------------------------------------------------------------------
    def support_usd_per_year(self) -> float:
        """Yearly support budget before per-registry calibration: the pledge times developers."""
        return self.model.p.pledge_usd_per_developer * self.developers

    def pay_support(self) -> None:
        """Pay this week's opex instalment or paid-tier fee."""
        if self.mode == SupportMode.OPEX:
            self.pay(SupportMode.OPEX, self.support_usd_per_year() / WEEKS_PER_YEAR)
        elif self.mode == SupportMode.PAID:
            self.pay_paid_tier()

    def pay(self, mode: SupportMode, amount_usd: float) -> None:
        """Split an amount equally across the registries the firm depends on."""
        registries = self.model.registries_by_name
        share = 1 / len(self.dependencies)
        for name in self.dependencies:
            registry: RegistryAgent = registries[name]
            scaled = amount_usd * share * self.model.support_scale[name]
            registry.receive(mode.value, scaled, payer=f"corporation:{self.unique_id}")

    def pay_paid_tier(self) -> None:
        """Pay the enterprise tier at each registry that sells one, for every firm represented."""
        names = self.paid_tier_registries()
        weekly = self.model.p.enterprise_tier_usd_per_year * self.model.firms_per_corporation / WEEKS_PER_YEAR
        registries = self.model.registries_by_name
        for name in names:
            registries[name].receive("paid_tier", weekly, payer=f"corporation:{self.unique_id}")

    def remember_incident(self, severity: float) -> None:
        """Add an incident that hit the firm to its memory (severity 1 = a serious incident)."""
        self.incident_memory += severity
