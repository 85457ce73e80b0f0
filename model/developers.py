"""The developer population: numpy arrays owned by the model, updated for all developers at once.

Each sampled developer stands for `represented` real publishers. The switching rule here is
the vectorised twin of `DeveloperAgent.switch_reference`; `tests/test_developers.py` checks
that both make the same decisions on the same random draws. Developers are updated
synchronously: everyone sees the same snapshot of the registries (taken in the decision
step, after this week's money and security updates; documented in docs/model.md).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import betainc, betaincinv

if TYPE_CHECKING:
    from model.parameters import ModelParameters
    from model.profiles import RegistryProfile


def fee_usd_per_utility(p: ModelParameters) -> float:
    """Yearly fee (USD) that weighs one unit of switching utility: the mean cost of moving, spread over the payback years.

    The mean switching cost (`switching_cost_mean` units of utility) is worth `switching_hours` x
    `publisher_hour_usd` dollars once; saving fees for `switching_payback_years` repays it.
    """
    one_off_usd = p.switching_hours * p.publisher_hour_usd
    return one_off_usd / (p.switching_payback_years * max(p.switching_cost_mean, 1e-9))


#: Below this many rows, the entry test evaluates everyone in one pass (per-call overhead dominates).
SMALL_BLOCK_ROWS = 50_000


@dataclass
class SwitchContext:
    """What every developer sees at the start of the week, indexed by registry index."""

    option: np.ndarray  # for each registry, the index of the other registry open to its developers, or -1
    fee_per_package: np.ndarray  # USD per new package
    fee_per_publisher: np.ndarray  # USD per publisher per year
    live_hours: np.ndarray  # typical hours a malicious package stays up there (detection plus removal)
    reach: np.ndarray  # downloads per week
    peer_share: np.ndarray  # share of the ecosystem's developers on each registry
    publishing_multiplier: float  # AI-assistance multiplier times publishing growth since the start

    def registry_terms(self, p: ModelParameters) -> tuple[np.ndarray, ...]:
        """Per-registry terms of the switching utility, by home registry (computed once per context).

        Returns the target registry (the option, or home itself when there is none), the log
        ratio of malware live hours, the peer term and the network term. Looking these up by home gives
        the same values as computing them from gathered registry values developer by developer.
        """
        key = (p.peer_weight, p.network_weight)
        cached = self.__dict__.get("_terms")
        if cached is None or cached[0] != key:
            target_of = np.where(self.option >= 0, self.option, np.arange(len(self.option)))
            risk_gap = np.log(self.live_hours / self.live_hours[target_of])
            peer_term = p.peer_weight * self.peer_share[target_of]
            network_term = p.network_weight * np.log(self.reach / self.reach[target_of])
            has_fees = bool(np.any(self.fee_per_package) or np.any(self.fee_per_publisher))
            cached = (key, (target_of, risk_gap, peer_term, network_term, has_fees))
            self.__dict__["_terms"] = cached
        return cached[1]

    def as_dict(self) -> dict:
        """Plain values for the per-agent reference rule."""
        return {
            "option": self.option.tolist(),
            "fee_per_package": self.fee_per_package.tolist(),
            "fee_per_publisher": self.fee_per_publisher.tolist(),
            "live_hours": self.live_hours.tolist(),
            "reach": self.reach.tolist(),
            "peer_share": self.peer_share.tolist(),
            "publishing_multiplier": self.publishing_multiplier,
        }


@dataclass
class DeveloperPopulation:
    """State of every sampled developer, one array entry each.

    Rows are sorted by ecosystem when sampled, and `ecosystem` and the traits (`publish_rate`,
    `fee_sensitivity`, `switching_cost`, `security_awareness`) do not change during a run; some
    per-ecosystem summaries of them are cached, so replace such an array rather than edit it in
    place. `home` is replaced by a new array whenever developers move (the model never edits it in
    place), and the weekly publishing totals are kept while it is the same array: code that edits
    `home` in place must assign a new array instead.
    """

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
    for_company: np.ndarray | None = None  # publishes for a company (else a community publisher)
    organisation_value_usd: np.ndarray | None = None  # what an organisation seat is worth to its company, USD/year

    @classmethod
    def sample(
        cls,
        p: ModelParameters,
        profiles: tuple[RegistryProfile, ...],
        rng: np.random.Generator,
        affiliation_rng: np.random.Generator | None = None,
    ):
        """Draw the population: ecosystems by publisher counts, publishing calibrated to the profiles.

        Traits are drawn from the parameters' distributions: publishing rate LogNormal(0,
        `publish_rate_sigma`), fee sensitivity LogNormal(0, `fee_sensitivity_sigma`), switching
        cost `switching_cost_mean` x LogNormal with mean 1, security awareness Beta(b, b), token
        hygiene Beta(c m, c (1 - m)). From `affiliation_rng` (its own stream; `rng` after the
        others if not given): whether a developer publishes for a company (probability
        `company_publisher_share`) and what an organisation seat is worth to that company,
        `organisation_value_usd_per_member_per_year` x LogNormal(0, 1).
        """
        publishers = np.array([profile.publishers for profile in profiles], dtype=float)
        counts = np.maximum(1, np.floor(p.n_developers * publishers / publishers.sum())).astype(int)
        counts[np.argmax(counts)] += p.n_developers - counts.sum()
        ecosystem = np.repeat(np.arange(len(profiles)), counts).astype(np.int16)
        n = len(ecosystem)
        represented = publishers.sum() / n
        raw_rate = rng.lognormal(0.0, p.publish_rate_sigma, n)
        publish_rate = np.empty(n)
        growth = (1 + p.publishing_growth_per_year) ** (p.start_year - 2026)
        for index, profile in enumerate(profiles):
            members = ecosystem == index
            target = profile.new_packages_per_week * growth / represented
            publish_rate[members] = raw_rate[members] * target / raw_rate[members].sum()
        hygiene_a = p.token_hygiene_concentration * p.token_hygiene_mean
        cost_sigma = p.switching_cost_sigma
        return cls(
            home=ecosystem.copy(),
            ecosystem=ecosystem,
            packages=1 + publish_rate * 52 * p.package_years,
            publish_rate=publish_rate,
            fee_sensitivity=rng.lognormal(0.0, p.fee_sensitivity_sigma, n),
            switching_cost=p.switching_cost_mean * rng.lognormal(-0.5 * cost_sigma**2, cost_sigma, n),
            security_awareness=rng.beta(p.security_awareness_beta, p.security_awareness_beta, n),
            token_hygiene=rng.beta(hygiene_a, p.token_hygiene_concentration - hygiene_a, n),
            compromised=np.zeros(n, dtype=bool),
            represented=represented,
            **cls._affiliations(p, n, affiliation_rng or rng),
        )

    @staticmethod
    def _affiliations(p: ModelParameters, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Who publishes for a company, and what an organisation seat is worth to each one's company."""
        draws = rng.random(n)
        value = p.organisation_value_usd_per_member_per_year * rng.lognormal(0.0, 1.0, n)
        return {"for_company": draws < p.company_publisher_share, "organisation_value_usd": value}

    def shift_token_hygiene(self, old_mean: float, new_mean: float, concentration: float) -> None:
        """Move every developer's token hygiene to its own quantile of the Beta at a new mean (no new draws).

        u = BetaCDF(h; c m_old, c (1 − m_old)), h' = BetaPPF(u; c m_new, c (1 − m_new)): each developer
        keeps its rank, the population's mean becomes `new_mean` (practices spread, as trusted
        publishing did from 2023).
        """
        if new_mean == old_mean or len(self.token_hygiene) == 0:
            return
        quantile = betainc(concentration * old_mean, concentration * (1 - old_mean), self.token_hygiene)
        self.token_hygiene[:] = betaincinv(concentration * new_mean, concentration * (1 - new_mean), quantile)

    def organisation_members(self, n_registries: int, price_usd_per_year: float) -> np.ndarray:
        """Real publishers on each registry whose company buys them an organisation seat at this price.

        A company buys when a seat is worth at least its price (community publishers get theirs free).
        """
        buys = self.for_company & (self.organisation_value_usd >= price_usd_per_year)
        return np.bincount(self.home, weights=buys.astype(float), minlength=n_registries) * self.represented

    def __len__(self) -> int:
        """Number of sampled developers."""
        return len(self.home)

    def ecosystem_rows(self, ecosystem: int) -> slice | np.ndarray:
        """The rows of one ecosystem's developers (a slice: rows are sorted by ecosystem when sampled)."""
        bounds = self._ecosystem_bounds()
        if bounds is None:  # rows not sorted by ecosystem (built by hand): fall back to a mask
            return np.flatnonzero(self.ecosystem == ecosystem)
        return slice(int(bounds[ecosystem]), int(bounds[ecosystem + 1]))

    def _ecosystem_bounds(self) -> np.ndarray | None:
        """Start row of each ecosystem (plus the end), or None if rows are not sorted by ecosystem."""
        cached = self.__dict__.get("_bounds_cache")
        if cached is None or cached[0] is not self.ecosystem:
            eco = self.ecosystem
            ordered = eco.size == 0 or bool(np.all(eco[1:] >= eco[:-1]))
            bounds = np.searchsorted(eco, np.arange(int(eco.max(initial=0)) + 2)) if ordered else None
            cached = (eco, bounds)
            self.__dict__["_bounds_cache"] = cached
        return cached[1]

    def on_registry(self, n_registries: int) -> np.ndarray:
        """Sampled developers on each registry."""
        return np.bincount(self.home, minlength=n_registries)

    def ecosystem_sizes(self, n_ecosystems: int) -> np.ndarray:
        """Sampled developers in each ecosystem (fixed for the run)."""
        cached = self.__dict__.get("_sizes_cache")
        if cached is None or cached[0] is not self.ecosystem or cached[1].size < n_ecosystems:
            cached = (self.ecosystem, np.bincount(self.ecosystem, minlength=n_ecosystems))
            self.__dict__["_sizes_cache"] = cached
        return cached[1]

    def publishing_per_registry(self, n_registries: int, multiplier: float) -> np.ndarray:
        """Real new packages per week published on each registry."""
        cached = self.__dict__.get("_publishing_cache")  # kept while nobody moves (the same home array)
        if (
            cached is None
            or cached[0] is not self.home
            or cached[1] is not self.publish_rate
            or cached[2] != n_registries
        ):
            weekly = np.bincount(self.home, weights=self.publish_rate, minlength=n_registries)
            cached = self.__dict__["_publishing_cache"] = (self.home, self.publish_rate, n_registries, weekly)
        return cached[3] * multiplier * self.represented

    def switching_utility(
        self, context: SwitchContext, p: ModelParameters, rows: slice | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each developer's utility of moving to its ecosystem's other registry, and that registry.

        `rows` restricts the computation to some developers (the same arithmetic, row by row).
        Every per-registry term is computed once per registry and then looked up by home: the
        values are the same as computing each developer's term from gathered registry values.
        """
        select = slice(None) if rows is None else rows
        home = self.home[select]
        target_of, risk_gap, peer_term, network_term, has_fees = context.registry_terms(p)
        utility = p.security_weight * self.security_awareness[select] * risk_gap[home]
        if has_fees:
            target = target_of[home]
            rate = self.publish_rate[select] * context.publishing_multiplier * 52
            fee_home = context.fee_per_package[home] * rate + context.fee_per_publisher[home]
            fee_other = context.fee_per_package[target] * rate + context.fee_per_publisher[target]
            fee_term = p.fee_weight * self.fee_sensitivity[select] * (fee_home - fee_other) / fee_usd_per_utility(p)
            utility = fee_term + utility
        # with no fee anywhere the fee term is exactly zero and is left out (0 + x == x)
        utility += peer_term[home]
        utility -= network_term[home]
        utility -= self.switching_cost[select]
        return utility, context.option[home]

    def choose_homes(self, context: SwitchContext, uniforms: np.ndarray, p: ModelParameters) -> np.ndarray:
        """New home of every developer: leave with hazard h0 * sigmoid(utility) (vectorised rule).

        Only ecosystems where a move is possible (an open alternative) are evaluated; everyone
        else stays. Developers are assumed to live on their ecosystem's incumbent or alternative.
        The hazard never exceeds h0 = `switching_hazard_per_week` (h0 divided by a number >= 1),
        so a developer whose uniform is >= h0 stays whatever its utility: only developers with
        a uniform below h0 are evaluated (the same decisions as evaluating everyone).
        """
        homes = self.home.copy()
        ceiling = p.switching_hazard_per_week
        for rows in self._rows_with_options(context):
            block_uniforms = uniforms[rows]
            if isinstance(rows, slice):
                candidates = np.flatnonzero(block_uniforms < ceiling)
                if 4 * candidates.size <= block_uniforms.size:  # few can move: evaluate only them
                    rows = candidates + rows.start
                    block_uniforms = block_uniforms[candidates]
            utility, other = self.switching_utility(context, p, rows)
            np.negative(utility, out=utility)
            np.clip(utility, -700, 700, out=utility)
            np.exp(utility, out=utility)
            utility += 1
            hazard = np.divide(ceiling, utility, out=utility)
            move = (other >= 0) & (block_uniforms < hazard)
            homes[rows] = np.where(move, other, homes[rows])
        return homes

    def count_gaining(self, context: SwitchContext, p: ModelParameters, ecosystem: int) -> int:
        """How many of an ecosystem's developers have a switching utility above zero.

        The same count as evaluating everyone, found faster when every developer is still on
        the incumbent (as in an ecosystem that never had an alternative): the utility is
        `g - switching_cost`, and `g` has an upper bound `G` from the ecosystem's extreme fee
        sensitivity, publishing rate and security awareness (the fee and security terms are
        linear in them). Developers with `switching_cost >= G` cannot gain; only those below
        `G` (a prefix of the ecosystem sorted by switching cost) are evaluated, exactly.
        """
        rows = self.ecosystem_rows(ecosystem)
        if isinstance(rows, slice) and rows.stop <= rows.start:
            return 0
        if not isinstance(rows, slice) or not np.all(self.home[rows] == ecosystem):
            return int(np.count_nonzero(self.switching_utility(context, p, rows)[0] > 0))
        order, sorted_cost = self._by_switching_cost(ecosystem)
        below = int(np.searchsorted(sorted_cost, self._gain_bound(context, p, ecosystem), side="left"))
        if below == 0:
            return 0
        if 4 * below > sorted_cost.size:  # many candidates: evaluating the block is cheaper
            return int(np.count_nonzero(self.switching_utility(context, p, rows)[0] > 0))
        candidates = np.sort(order[:below]) + rows.start
        return int(np.count_nonzero(self.switching_utility(context, p, candidates)[0] > 0))

    def nobody_can_gain(self, context: SwitchContext, p: ModelParameters, ecosystem: int) -> bool:
        """True when, by the bound of `count_gaining`, no developer of the ecosystem can gain by moving."""
        rows = self.ecosystem_rows(ecosystem)
        if not isinstance(rows, slice):
            return False
        if rows.stop <= rows.start:
            return True
        sorted_cost = self._by_switching_cost(ecosystem)[1]
        if self._gain_bound(context, p, ecosystem) > sorted_cost[0]:
            return False
        return bool(np.all(self.home[rows] == ecosystem))

    def _gain_bound(self, context: SwitchContext, p: ModelParameters, ecosystem: int) -> float:
        """An upper bound, with a safety margin, on the utility before switching cost, for developers on `ecosystem`."""
        target_of, risk_gap, peer_term, network_term, has_fees = context.registry_terms(p)
        stats = self._ecosystem_extremes(ecosystem)
        home, target = ecosystem, int(target_of[ecosystem])
        security = [p.security_weight * awareness * float(risk_gap[home]) for awareness in stats["security_awareness"]]
        fee, fee_scale = [0.0], 0.0
        if has_fees:
            per_package = (float(context.fee_per_package[home]), float(context.fee_per_package[target]))
            per_publisher = (float(context.fee_per_publisher[home]), float(context.fee_per_publisher[target]))
            rates = [rate * context.publishing_multiplier * 52 for rate in stats["publish_rate"]]
            fee = [
                p.fee_weight
                * sensitivity
                * ((per_package[0] * rate + per_publisher[0]) - (per_package[1] * rate + per_publisher[1]))
                / fee_usd_per_utility(p)
                for sensitivity in stats["fee_sensitivity"]
                for rate in rates
            ]
            fee_scale = (
                abs(p.fee_weight)
                * max(abs(x) for x in stats["fee_sensitivity"])
                * (
                    (abs(per_package[0]) + abs(per_package[1])) * max(abs(r) for r in rates)
                    + abs(per_publisher[0])
                    + abs(per_publisher[1])
                )
                / abs(fee_usd_per_utility(p))
            )
        peer, network = float(peer_term[home]), float(network_term[home])
        bound = max(fee) + max(security) + peer - network
        margin = 1e-9 * (fee_scale + max(abs(x) for x in security) + abs(peer) + abs(network)) + 1e-12
        return bound + margin

    def _cached(self, name: str, ecosystem: int, sources: tuple[np.ndarray, ...], compute):
        """A per-ecosystem value computed from `sources`, recomputed when any source array is replaced.

        The trait arrays are fixed once sampled: to change one, assign a new array (an edit in
        place is not noticed).
        """
        cache = self.__dict__.setdefault(name, {})
        entry = cache.get(ecosystem)
        if entry is None or len(entry[0]) != len(sources) or not all(map(operator.is_, entry[0], sources)):
            entry = cache[ecosystem] = (sources, compute())
        return entry[1]

    def _ecosystem_extremes(self, ecosystem: int) -> dict[str, tuple[float, float]]:
        """Smallest and largest fee sensitivity, publishing rate and security awareness in an ecosystem."""
        traits = {
            "fee_sensitivity": self.fee_sensitivity,
            "publish_rate": self.publish_rate,
            "security_awareness": self.security_awareness,
        }

        def compute() -> dict[str, tuple[float, float]]:
            """Scan the ecosystem's rows once."""
            rows = self.ecosystem_rows(ecosystem)
            return {name: (float(values[rows].min()), float(values[rows].max())) for name, values in traits.items()}

        return self._cached("_extremes_cache", ecosystem, (self.ecosystem, *traits.values()), compute)

    def _by_switching_cost(self, ecosystem: int) -> tuple[np.ndarray, np.ndarray]:
        """An ecosystem's rows (relative to its block) sorted by switching cost, and the sorted costs."""

        def compute() -> tuple[np.ndarray, np.ndarray]:
            """Sort the ecosystem's switching costs once."""
            costs = self.switching_cost[self.ecosystem_rows(ecosystem)]
            order = np.argsort(costs, kind="stable")
            return order, costs[order]

        return self._cached("_cost_order_cache", ecosystem, (self.ecosystem, self.switching_cost), compute)

    def _rows_with_options(self, context: SwitchContext) -> list[slice | np.ndarray]:
        """Rows of the ecosystems in which some registry offers a move (incumbent or alternative)."""
        n_ecosystems = len(context.option) // 2
        open_option = context.option >= 0
        chosen = [index for index in range(n_ecosystems) if open_option[index] or open_option[n_ecosystems + index]]
        return [rows for rows, _ in self.ecosystem_runs(chosen)]

    def ecosystem_runs(self, ecosystems) -> list[tuple[slice | np.ndarray, list[tuple[int, slice]]]]:
        """Rows of some ecosystems, adjacent ones merged into one block.

        Each block comes with its ecosystems and their rows relative to the block, so work on
        several ecosystems is done in as few array operations as possible.
        """
        chosen = sorted({int(index) for index in ecosystems})
        bounds = self._ecosystem_bounds()
        if bounds is None:
            return [(self.ecosystem_rows(index), [(index, slice(None))]) for index in chosen]
        runs: list[list[int]] = []
        for index in chosen:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        blocks = []
        for run in runs:
            start = int(bounds[run[0]])
            parts = [(index, slice(int(bounds[index]) - start, int(bounds[index + 1]) - start)) for index in run]
            blocks.append((slice(start, int(bounds[run[-1] + 1])), parts))
        return blocks


def latent_demand(
    population: DeveloperPopulation, context: SwitchContext, p: ModelParameters, ecosystems=None
) -> np.ndarray:
    """Share of each ecosystem's developers who would gain by moving to its (hypothetical) alternative.

    With `ecosystems` given, only those ecosystems are computed (the others read 0), each with
    `count_gaining` (which skips developers whose switching cost alone rules out a gain).
    """
    n_ecosystems = len(context.option) // 2
    size = population.ecosystem_sizes(n_ecosystems)
    if ecosystems is None:
        utility, _ = population.switching_utility(context, p)
        gaining = np.bincount(population.ecosystem, weights=(utility > 0).astype(float), minlength=size.size)
        return gaining / np.maximum(size, 1)
    gaining = np.zeros(size.size)
    ecosystems = [int(index) for index in ecosystems if not population.nobody_can_gain(context, p, int(index))]
    if sum(int(size[index]) for index in ecosystems) <= SMALL_BLOCK_ROWS:  # few rows: one pass is cheapest
        for rows, parts in population.ecosystem_runs(ecosystems):
            gains = population.switching_utility(context, p, rows)[0] > 0
            for index, part in parts:
                gaining[index] = np.count_nonzero(gains[part])
    else:
        for index in ecosystems:
            gaining[index] = population.count_gaining(context, p, int(index))
    return gaining / np.maximum(size, 1)
