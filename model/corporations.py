"""The corporation population: every sampled firm's state in arrays owned by the model, one row per firm.

This is the one place a firm's state lives: its size, usage, dependencies, budget week, support
mode and contract, incident memory and harm. `CorporationAgent` (`agents/corporation.py`) is a
thin Mesa view onto one row that holds the per-firm decision rule (the support logit), which the
model runs for the firms whose budget week it is; harm and incident memory are updated for all
firms at once here. The decay of incident memory is written once, in `memory_now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.corporation import (
    CHANNELS,
    MODES,
    SupportMode,
    channel_terms,
    contract_years,
    renewal_prob,
    support_utility,
)

if TYPE_CHECKING:
    from model.model import RegistryModel
    from model.parameters import ModelParameters
    from model.profiles import RegistryCatalogue

WEEKS_PER_YEAR = 52
MODE_CODES = {mode: code for code, mode in enumerate(MODES)}


def pareto_strata(n: int, alpha: float) -> np.ndarray:
    """The mean of a Pareto(alpha) variable (minimum 1) within each of n equal-probability strata, largest first.

    Stratum k holds the upper-tail probabilities (k/n, (k+1)/n]; its mean is
    (b^e - a^e) / (e (b - a)) with e = 1 - 1/alpha, so the top 1% of n strata hold the population's
    top-1% share, p^e, in every sample (alpha = 1 is taken as 1 + 1e-6: its top stratum is unbounded).
    """
    exponent = 1 - 1 / max(alpha, 1 + 1e-6)
    edges = np.arange(n + 1) / n
    return np.diff(edges**exponent) / (exponent * np.diff(edges))


@dataclass
class CorporationPopulation:
    """State of every sampled firm; arrays have one entry per firm, in row order."""

    developers: np.ndarray  # developers per firm (sets the support amount)
    usage_share: np.ndarray  # share of all sampled corporate downloads (Pareto within each registry)
    heavy: np.ndarray  # bool: among the heaviest users (only they can buy a paid tier)
    budget_week: np.ndarray  # week of the year (0-51) when the firm decides and pays
    dependencies: list[dict[str, float]]  # per firm: incumbent name -> share of its downloads there
    dependency_shares: np.ndarray  # (firm, incumbent index): the same shares as a matrix
    harm_weights: np.ndarray  # (firm, incumbent index): the firm's share of the harm done in each ecosystem
    mode: np.ndarray  # support mode code (MODES)
    contract_end_time: np.ndarray  # tick a running opex contract ends (-1: none)
    memory: np.ndarray  # incident memory as of memory_time (1 = one serious incident)
    memory_time: np.ndarray  # tick of each firm's last incident
    harm_usd: np.ndarray  # cumulative harm from malware and worms, USD, for all the real firms a row stands for
    memory_decay_per_week: float  # factor by which incident memory shrinks each week
    mode_counts: dict[SupportMode, int]  # firms in each support mode

    @classmethod
    def sample(
        cls,
        p: ModelParameters,
        catalogue: RegistryCatalogue,
        downloads_per_week: dict[str, float],
        rng: np.random.Generator,
    ) -> CorporationPopulation:
        """Draw the firms: lognormal sizes, Pareto usage, budget weeks, and the registries each depends on.

        A firm uses each incumbent with that registry's dependency probability (drawn from the most
        used registry down), and at least one. Usage is stratified per registry: a firm's place in
        one usage order (a uniform per firm) ranks it among each registry's users, and the k-th
        heaviest user of a registry takes the k-th Pareto stratum mean (`pareto_strata`) of that
        registry's downloads, so every registry's heaviest 1% of users hold the same share in every seed.
        """
        n = p.n_corporations
        developers = p.corporate_developers_median * rng.lognormal(0.0, p.firm_size_sigma, n)
        heaviest_first = np.argsort(rng.random(n))  # each firm's place in the usage order
        budget_week = rng.integers(0, WEEKS_PER_YEAR, n)
        order = catalogue.by_dependency
        uses = {name: rng.random(n) < catalogue[name].dependency_probability for name in order}
        fallback = rng.choice(list(order), size=n)
        used = np.zeros((n, len(catalogue)), dtype=bool)
        for row in range(n):
            for name in [name for name in order if uses[name][row]] or [fallback[row]]:
                used[row, catalogue.names.index(name)] = True
        volume = np.zeros((n, len(catalogue)))  # each firm's downloads at each incumbent
        for column, name in enumerate(catalogue.names):
            users = heaviest_first[used[heaviest_first, column]]
            if users.size:
                strata = pareto_strata(users.size, p.consumer_pareto_alpha)
                volume[users, column] = downloads_per_week[name] * strata / strata.sum()
        firm_volume = volume.sum(axis=1)
        usage_share = firm_volume / firm_volume.sum()
        heavy_cut = np.quantile(usage_share, 1 - p.heavy_consumer_share)
        dependency_shares = volume / firm_volume[:, None]
        dependencies = [
            {
                name: float(dependency_shares[row, catalogue.names.index(name)])
                for name in order
                if used[row, catalogue.names.index(name)]
            }
            for row in range(n)
        ]
        weights = dependency_shares * usage_share[:, None]
        return cls(
            developers=developers,
            usage_share=usage_share,
            heavy=usage_share >= heavy_cut,
            budget_week=budget_week,
            dependencies=dependencies,
            dependency_shares=dependency_shares,
            harm_weights=weights / np.maximum(weights.sum(axis=0), 1e-12),
            mode=np.full(n, MODE_CODES[SupportMode.NONE], dtype=np.int8),
            contract_end_time=np.full(n, -1.0),
            memory=np.zeros(n),
            memory_time=np.zeros(n),
            harm_usd=np.zeros(n),
            memory_decay_per_week=0.5 ** (1 / (p.incident_memory_half_life_years * WEEKS_PER_YEAR)),
            mode_counts={mode: (n if mode == SupportMode.NONE else 0) for mode in SupportMode},
        )

    def __len__(self) -> int:
        """Number of sampled firms."""
        return len(self.developers)

    # ----- support modes -----------------------------------------------------------------------
    def mode_of(self, row: int) -> SupportMode:
        """A firm's support mode."""
        return MODES[self.mode[row]]

    def set_mode(self, row: int, mode: SupportMode) -> None:
        """Put a firm in a support mode, keeping the count of firms in each mode current."""
        self.mode_counts[self.mode_of(row)] -= 1
        self.mode_counts[mode] += 1
        self.mode[row] = MODE_CODES[mode]

    def share_in(self, mode: SupportMode) -> float:
        """Share of firms in one support mode."""
        return self.mode_counts[mode] / len(self)

    def share_supporting(self) -> float:
        """Share of firms that support registries in any mode."""
        return 1 - self.mode_counts[SupportMode.NONE] / len(self)

    def logit_choices(self, model: RegistryModel, rows: np.ndarray, uniforms: np.ndarray) -> list[SupportMode | None]:
        """`CorporationAgent.choose_mode` for many firms at once: the mode each of `rows` picks with its uniform.

        None for a heavy firm that could buy a paid tier (it decides one at a time, with its paid-tier term).
        """
        return [None if code < 0 else MODES[code] for code in self.logit_codes(model, rows, uniforms).tolist()]

    def logit_codes(self, model: RegistryModel, rows: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """`logit_choices` as mode codes (`MODES`), -1 for a heavy firm that could buy a paid tier.

        The same terms in the same order as the per-firm rule (`CorporationAgent.logit_mode`), on arrays.
        """
        p = model.p
        memory = self.memory[rows] * self.memory_decay_per_week ** (model.time - self.memory_time[rows])
        support = support_utility(p, model.support_share, memory)
        cost_index = {name: registry.cost_index for name, registry in model.registries_by_name.items()}
        mean_cost_index = np.zeros(len(rows))
        shares = self.dependency_shares[rows]
        for name in model.catalogue.by_dependency:  # a firm's dependencies are in this order; others add 0.0
            mean_cost_index += shares[:, model.catalogue.names.index(name)] * cost_index[name]
        index_cost = p.cost_weight * p.pledge_usd_per_developer / p.it_budget_usd_per_developer
        index_cost *= mean_cost_index - 1
        utilities = [np.zeros(len(rows))]
        modes = [SupportMode.NONE]
        for mode, log_access, utility, penalty, indexed in channel_terms(p, model.downturn):
            utilities.append(support + log_access + utility - penalty - (index_cost if indexed else 0.0))
            modes.append(mode)
        top = np.max(utilities, axis=0)
        weights = [np.exp(u - top) for u in utilities]
        total = weights[0]
        for weight in weights[1:]:
            total = total + weight
        threshold = uniforms * total
        chosen = np.full(len(rows), -1)
        cumulative = np.zeros(len(rows))
        for code, weight in enumerate(weights):
            cumulative = cumulative + weight
            chosen[(chosen < 0) & (threshold < cumulative)] = code
        codes = np.array([MODE_CODES[mode] for mode in modes])[np.maximum(chosen, 0)]  # none if nothing was passed
        for position in np.flatnonzero(self.heavy[rows]).tolist():
            if model.corporation_agents[int(rows[position])].paid_tier_registries():
                codes[position] = -1
        return codes

    def decide_support(
        self, model: RegistryModel, rows: np.ndarray, renewal_draws: np.ndarray, choice_draws: np.ndarray
    ) -> None:
        """`CorporationAgent.decide_support` for the firms of `rows` at once, without the payment.

        A pledge or contract still in its term is kept; one that has ended renews with its channel's
        probability (a new term) or the firm re-decides by logit (`logit_choices`; a firm that could
        buy a paid tier by `CorporationAgent.logit_mode`), starting a new term in a channel it picks.
        """
        p, now = model.p, model.time
        years = np.zeros(len(MODES))  # contract years and renewal probability by mode code (0: not a channel)
        renews = np.zeros(len(MODES))
        for mode in CHANNELS:
            years[MODE_CODES[mode]], renews[MODE_CODES[mode]] = contract_years(p, mode), renewal_prob(p, mode)
        modes = self.mode[rows]
        committed = years[modes] > 0
        in_term = committed & (now < self.contract_end_time[rows])
        renewed = committed & ~in_term & (renewal_draws < renews[modes])
        self.contract_end_time[rows[renewed]] = now + years[modes[renewed]] * WEEKS_PER_YEAR
        deciding = ~in_term & ~renewed
        rows, draws = rows[deciding], choice_draws[deciding]
        codes = self.logit_codes(model, rows, draws).astype(self.mode.dtype)
        for position in np.flatnonzero(codes < 0).tolist():  # a paid tier is possible: the per-firm rule
            codes[position] = MODE_CODES[
                model.corporation_agents[int(rows[position])].logit_mode(float(draws[position]))
            ]
        new_term = years[codes] > 0
        self.contract_end_time[rows[new_term]] = now + years[codes[new_term]] * WEEKS_PER_YEAR
        before = np.bincount(self.mode[rows], minlength=len(MODES))
        after = np.bincount(codes, minlength=len(MODES))
        for code, mode in enumerate(MODES):
            self.mode_counts[mode] += int(after[code] - before[code])
        self.mode[rows] = codes

    # ----- incidents and harm ------------------------------------------------------------------
    def memory_now(self, now: float, row: int | None = None) -> np.ndarray | float:
        """Incident memory decayed to `now`: every firm's (an array), or one firm's (a number)."""
        if row is None:
            return self.memory * self.memory_decay_per_week ** (now - self.memory_time)
        return self.memory.item(row) * self.memory_decay_per_week ** (now - self.memory_time.item(row))

    def remember(self, rows: np.ndarray, severities: np.ndarray, now: float) -> None:
        """Add incidents (severity 1 = a serious incident) to some firms' memories."""
        self.memory[rows] = self.memory_now(now)[rows] + severities
        self.memory_time[rows] = now

    def harm(self, harm_by_ecosystem: np.ndarray, incident_usd: float, now: float) -> None:
        """Share harm (USD) among firms by their use of each ecosystem; harm of 1% of `incident_usd` or more is remembered."""
        harm = self.harm_weights @ harm_by_ecosystem
        self.harm_usd += harm
        rows = np.flatnonzero(harm > 0.01 * incident_usd)  # small harm is not an incident
        self.remember(rows, harm[rows] / incident_usd, now)

    def service_incident(self, ecosystem: int, severity: float, now: float) -> None:
        """Firms that use a failing registry remember it, in proportion to their use of it."""
        shares = self.dependency_shares[:, ecosystem]
        rows = np.flatnonzero(shares > 0)
        self.remember(rows, severity * shares[rows], now)
