"""CorporationAgent: a consumer firm that chooses how, if at all, to support registries.

The firm's state lives in one row of the model's corporation population (`model.corporations`,
see `model/corporations.py`); this agent is a thin view onto that row that holds the firm's
decision rule (the support logit) and its payments.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel
    from model.parameters import ModelParameters

WEEKS_PER_YEAR = 52


class SupportMode(StrEnum):
    """How a firm supports the registries it depends on."""

    NONE = "none"
    DONATION = "donation"  # from the discretionary budget: by default re-decided every year, fixed, cut in downturns
    OPEX = "opex"  # from the operating budget: by default a multi-year, cost-indexed, downturn-immune contract
    PAID = "paid"  # a paid (enterprise) tier bought from the registry
    # All three are paid once a year, at the firm's budget week.


#: Support modes by their code in the population's `mode` array.
MODES: tuple[SupportMode, ...] = tuple(SupportMode)
#: The two support channels that carry the four levers (share, indexation, term, downturn immunity).
CHANNELS = (SupportMode.DONATION, SupportMode.OPEX)


def _channel_lever(p: ModelParameters, mode: SupportMode, lever: str):
    """A channel's value of one of the four levers (`donation_<lever>` or `opex_<lever>`)."""
    return getattr(p, f"{mode.value}_{lever}")


def channel_utility(p: ModelParameters, mode: SupportMode) -> float:
    """Logit utility added to one channel (the 'share of firms that support' lever)."""
    return _channel_lever(p, mode, "support_utility")


def cost_indexed(p: ModelParameters, mode: SupportMode) -> bool:
    """Whether a channel's payments follow the registry's cost index."""
    return _channel_lever(p, mode, "cost_indexed")


def contract_years(p: ModelParameters, mode: SupportMode) -> int:
    """Years a channel's pledge or contract runs before the firm re-decides."""
    return _channel_lever(p, mode, "contract_years")


def renewal_prob(p: ModelParameters, mode: SupportMode) -> float:
    """Probability an ending pledge or contract of a channel renews without a new decision."""
    return _channel_lever(p, mode, "renewal_prob")


def downturn_immune(p: ModelParameters, mode: SupportMode) -> bool:
    """Whether a channel is neither avoided nor cut in a downturn year."""
    return _channel_lever(p, mode, "downturn_immune")


_CHANNEL_TERMS: list = [None, None, ()]  # the last (parameters, downturn, terms) asked for


def channel_terms(p: ModelParameters, downturn: bool) -> tuple[tuple[SupportMode, float, float, float, bool], ...]:
    """Per channel a firm can reach: (mode, log of its budget access, channel utility, downturn penalty, cost-indexed).

    The same for every firm in a week, so kept for the last parameters and downturn state asked for.
    """
    cached_p, cached_downturn, terms = _CHANNEL_TERMS
    if cached_p is p and cached_downturn == downturn:
        return terms
    terms = tuple(
        (
            mode,
            math.log(access),
            channel_utility(p, mode),
            p.downturn_donation_penalty if downturn and not downturn_immune(p, mode) else 0.0,
            cost_indexed(p, mode),
        )
        for mode, access in ((SupportMode.DONATION, 1 - p.opex_budget_share), (SupportMode.OPEX, p.opex_budget_share))
        if access > 0
    )
    _CHANNEL_TERMS[:] = [p, downturn, terms]
    return terms


def support_utility(p: ModelParameters, share_supporting: float, memory: float = 0.0) -> float:
    """Logit utility of supporting at all, before the channel terms (docs/model.md, section 7.11)."""
    return (
        p.support_base_utility
        + p.norm_weight * share_supporting
        + p.memory_weight * memory
        + p.regulation_weight * p.regulation_mandates_support
        - p.cost_weight * p.pledge_usd_per_developer / p.it_budget_usd_per_developer
    )


class CorporationAgent(Agent):
    """A consuming firm (a view onto row `row` of the corporation population): size, usage, dependencies, mode."""

    def __init__(self, model: RegistryModel, row: int) -> None:
        """Bind the view to row `row` of the model's corporation arrays."""
        super().__init__(model)
        self.row = row

    @property
    def _population(self):
        """The model's corporation arrays."""
        return self.model.corporations

    @property
    def developers(self) -> float:
        """Firm size in developers; sets the support amount (pledge x developers)."""
        return float(self._population.developers[self.row])

    @property
    def usage_share(self) -> float:
        """Share of all sampled corporate downloads."""
        return float(self._population.usage_share[self.row])

    @property
    def dependencies(self) -> dict[str, float]:
        """Registry name -> share of the firm's downloads there (incumbents only)."""
        return self._population.dependencies[self.row]

    @property
    def budget_week(self) -> int:
        """Week of the year (0-51) when the firm decides and pays."""
        return int(self._population.budget_week[self.row])

    @property
    def heavy(self) -> bool:
        """Among the heaviest users (only they can buy a paid tier)."""
        return bool(self._population.heavy[self.row])

    @property
    def mode(self) -> SupportMode:
        """The firm's support mode."""
        return MODES[self.model.corporations.mode[self.row]]

    @property
    def contract_end_time(self) -> float:
        """Tick a running pledge or opex contract ends (-1 when the firm never had one)."""
        return float(self._population.contract_end_time[self.row])

    @contract_end_time.setter
    def contract_end_time(self, time: float) -> None:
        """Set the end of the firm's pledge or opex contract."""
        self._population.contract_end_time[self.row] = time

    # ----- decisions --------------------------------------------------------------------------
    def support_utilities(self) -> dict[SupportMode, float]:
        """Logit utilities of each support mode (docs/model.md, 'Corporate support choice')."""
        p, m = self.model.p, self.model
        support = support_utility(p, m.support_share, self.incident_memory)
        utilities = {SupportMode.NONE: 0.0}
        index_cost = p.cost_weight * p.pledge_usd_per_developer / p.it_budget_usd_per_developer
        index_cost *= self.mean_cost_index() - 1  # what an indexed channel costs beyond its base price
        for mode, log_access, utility, penalty, indexed in channel_terms(p, m.downturn):
            utilities[mode] = support + log_access + utility - penalty - (index_cost if indexed else 0.0)
        if self.heavy and self.paid_tier_registries():
            price_ratio = p.enterprise_tier_usd_per_year / (self.developers * p.it_budget_usd_per_developer)
            utilities[SupportMode.PAID] = (
                p.paid_tier_base_utility
                + p.regulation_weight * p.regulation_mandates_support
                - p.cost_weight * price_ratio
            )
        return utilities

    def mean_cost_index(self) -> float:
        """The cost index of the registries the firm uses, weighted by its downloads there (1 at the start)."""
        registries = self.model.registries_by_name
        return sum(share * registries[name].cost_index for name, share in self.dependencies.items())

    def paid_tier_registries(self) -> list[str]:
        """Registries this firm uses that sell an enterprise tier."""
        return [name for name in self.dependencies if self.model.sells_enterprise_tier(name)]

    def choose_mode(self, uniform: float) -> SupportMode:
        """Pick a support mode by multinomial logit, using one uniform draw (`logit_mode`).

        The model runs this rule for all firms of a budget week at once
        (`CorporationPopulation.decide_support` and `logit_choices`, the same rule on arrays).
        """
        return self.logit_mode(uniform)

    def logit_mode(self, uniform: float) -> SupportMode:
        """The logit rule for this one firm: utilities, then the mode whose cumulative weight passes the uniform."""
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
        """At the budget week: keep or renew a running pledge or contract, or re-decide by logit; then pay the year."""
        m = self.model
        renewal_draw, choice_draw = m.firm_uniforms()[self.row]  # this firm's draws for this budget year
        mode = self.mode
        committed = mode in CHANNELS
        in_term = committed and m.time < self.contract_end_time
        renewed = committed and not in_term and renewal_draw < renewal_prob(m.p, mode)
        if renewed:
            self.contract_end_time = m.time + contract_years(m.p, mode) * WEEKS_PER_YEAR
        elif not in_term:
            self.set_mode(self.choose_mode(float(choice_draw)), new_term=True)
        self.pay_for_the_year()

    def set_mode(self, mode: SupportMode, new_term: bool = False) -> None:
        """Adopt a mode; a new donation pledge or opex contract starts its term."""
        if mode in CHANNELS and (new_term or self.mode != mode):
            self.contract_end_time = self.model.time + contract_years(self.model.p, mode) * WEEKS_PER_YEAR
        self._population.set_mode(self.row, mode)

    # ----- money ------------------------------------------------------------------------------
    def support_usd_per_year(self) -> float:
        """Yearly support budget before per-registry calibration: the pledge times developers."""
        return self.model.p.pledge_usd_per_developer * self.developers

    def pay_for_the_year(self) -> None:
        """Pay this budget year's support: a donation, the opex invoice or the paid-tier fee."""
        mode = self.mode
        if mode in CHANNELS:
            self.pay(mode, self.support_usd_per_year())
        elif mode == SupportMode.PAID:
            self.pay_paid_tier()

    def pay(self, mode: SupportMode, amount_usd: float) -> None:
        """Split an amount equally across the registries the firm depends on.

        An indexed channel (opex by default) is priced like any operating cost: it follows the
        registry's cost index; a channel that is not downturn-immune (donations by default) falls
        by `downturn_payment_cut` in a downturn year.
        """
        p, registries = self.model.p, self.model.registries_by_name
        share = 1 / len(self.dependencies)
        cut = p.downturn_payment_cut if self.model.downturn and not downturn_immune(p, mode) else 0.0
        for name in self.dependencies:
            registry: RegistryAgent = registries[name]
            scaled = amount_usd * share * self.model.support_scale[name] * (1 - cut)
            if cost_indexed(p, mode):
                scaled *= registry.cost_index
            self.model.corporate_support_offered_usd += scaled
            registry.receive(mode.value, scaled, payer=f"corporation:{self.unique_id}")

    def pay_paid_tier(self) -> None:
        """Pay a year of the enterprise tier bought as support, scaled like all voluntary corporate money."""
        price = self.model.p.enterprise_tier_usd_per_year
        registries = self.model.registries_by_name
        for name in self.paid_tier_registries():
            registries[name].receive(
                "paid_tier", price * self.model.support_scale[name], payer=f"corporation:{self.unique_id}"
            )

    @property
    def incident_memory(self) -> float:
        """Memory of incidents that hit the firm, decayed to the current week."""
        return self._population.memory_now(self.model.time, self.row)

    @property
    def harm_usd(self) -> float:
        """Harm from malware and worms so far, USD, for all the firms it stands for."""
        return float(self._population.harm_usd[self.row])

    def remember_incident(self, severity: float) -> None:
        """Add an incident that hit the firm to its memory (severity 1 = a serious incident)."""
        self._population.remember(np.array([self.row]), np.array([severity]), self.model.time)
