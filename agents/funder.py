"""Funder agents: an Alpha-Omega-style umbrella security funder and a public funder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel

WEEKS_PER_YEAR = 52


class UmbrellaFunder(Agent):
    """Pools money from a few big donors and pays registries' security staff in grant rounds."""

    def __init__(
        self,
        model: RegistryModel,
        name: str,
        budget_usd_per_year: float,
        registry_share: float,
        n_donors: int,
        rounds_per_year: int,
        miss_prob_per_year: float,
        commitment_years: int,
        first_round_week: int,
        allocation_weights: dict[str, float] | None = None,
        index: int = 0,
    ) -> None:
        """Create the funder with its donors, round calendar and (optional) allocation weights.

        `index` is the funder's place among the umbrella funders; it keys the funder's random draws.
        """
        super().__init__(model)
        self.name = name
        self.index = index
        self.full_budget_usd_per_year = budget_usd_per_year
        self.registry_share = registry_share
        self.donor_active = [True] * n_donors
        self.round_weeks = {
            (first_round_week + round_index * WEEKS_PER_YEAR // rounds_per_year) % WEEKS_PER_YEAR
            for round_index in range(rounds_per_year)
        }
        self.first_round_week = min(self.round_weeks)
        self.miss_prob_per_round = 1 - (1 - miss_prob_per_year) ** (1 / rounds_per_year)
        self.commitment_years = commitment_years
        self.grants: dict[str, float] = {}  # registry name -> USD per year
        self.committed_until = -1.0
        self.rounds_missed = 0
        self.allocation_weights = allocation_weights  # registry -> weight; None = by need

    @property
    def budget_usd_per_year(self) -> float:
        """This year's budget: the share of donors still giving."""
        return self.full_budget_usd_per_year * sum(self.donor_active) / len(self.donor_active)

    def renew_donors(self) -> None:
        """At the year boundary each donor renews, lapses, or a lapsed slot is refilled."""
        p, m = self.model.p, self.model
        draws = m.streams.generator("umbrella.donors", self.index, m.year_index).random(len(self.donor_active))
        for index, (active, draw) in enumerate(zip(self.donor_active, draws)):
            if active and draw > p.umbrella_donor_renewal_prob:
                self.donor_active[index] = False
                self.model.log_event("donor_lapsed", "", f"{self.name}: a big donor did not renew")
            elif not active and draw < p.umbrella_donor_return_prob:
                self.donor_active[index] = True

    def hold_round(self) -> None:
        """In a round week: allocate grants across registries by need, unless the round is missed."""
        m = self.model
        if m.week_of_year not in self.round_weeks:
            return
        draw = m.streams.generator("umbrella.rounds", self.index, m.week_index).random()
        if m.time < self.committed_until:
            return  # multi-year commitments run on; nothing to decide
        forced = m.p.umbrella_missed_round_year == m.year and m.week_of_year == self.first_round_week
        if forced or draw < self.miss_prob_per_round:
            self.miss_round()
            return
        self.grants = self.allocate(self.budget_usd_per_year * self.registry_share)
        if self.commitment_years > 1:
            self.committed_until = m.time + self.commitment_years * WEEKS_PER_YEAR

    def miss_round(self) -> None:
        """Miss a round: every grantee loses its grant at once until the next round."""
        self.rounds_missed += 1
        hit = ", ".join(sorted(self.grants)) or "no registry"
        self.grants = {}
        self.model.log_event("missed_round", "", f"{self.name} missed a grant round; grants to {hit} stop")

    def allocate(self, budget_usd_per_year: float) -> dict[str, float]:
        """Split a budget across eligible registries: by `allocation_weights` if set, else by need.

        By need: a share `umbrella_need_share` in proportion to security workload, the rest equally.
        """
        eligible: list[RegistryAgent] = [r for r in self.model.open_registries if r.eligible_for_grants]
        if not eligible or budget_usd_per_year <= 0:
            return {}
        if self.allocation_weights is not None:
            weights = {r.name: max(0.0, self.allocation_weights.get(r.name, 0.0)) for r in eligible}
            total = sum(weights.values())
            if total > 0:
                return {name: budget_usd_per_year * w / total for name, w in weights.items() if w > 0}
        total_workload = sum(r.workload for r in eligible) or 1.0
        need = self.model.p.umbrella_need_share
        return {
            r.name: budget_usd_per_year * ((1 - need) / len(eligible) + need * r.workload / total_workload)
            for r in eligible
        }

    def pay_grants(self) -> None:
        """Pay this week's share of every running grant."""
        registries = self.model.registries_by_name
        for name, usd_per_year in self.grants.items():
            registries[name].receive("grant", usd_per_year / WEEKS_PER_YEAR, payer=self.name)


class PublicFunder(Agent):
    """A Sovereign-Tech-style public funder: yearly project grants of a fixed length."""

    def __init__(self, model: RegistryModel, budget_usd_per_year: float, grant_years: int) -> None:
        """Create the funder with its yearly budget and grant length."""
        super().__init__(model)
        self.name = "public funder"
        self.budget_usd_per_year = budget_usd_per_year
        self.grant_years = grant_years
        self.grants: dict[str, tuple[float, float]] = {}  # name -> (USD per year, end time)

    def award_grants(self) -> None:
        """Each year, fund the neediest non-profit registry without a running public grant."""
        m = self.model
        self.grants = {name: grant for name, grant in self.grants.items() if grant[1] > m.time}
        if self.budget_usd_per_year <= 0:
            return
        candidates = [r for r in m.open_registries if r.eligible_for_grants and r.name not in self.grants]
        if not candidates:
            return
        neediest = max(candidates, key=lambda r: r.removal_median_hours * r.workload)
        end = m.time + self.grant_years * WEEKS_PER_YEAR
        self.grants[neediest.name] = (self.budget_usd_per_year / self.grant_years, end)
        m.log_event(
            "public_grant", neediest.name, f"public funder grants {neediest.label} for {self.grant_years} years"
        )

    def pay_grants(self) -> None:
        """Pay this week's share of every running project grant."""
        registries = self.model.registries_by_name
        for name, (usd_per_year, end) in self.grants.items():
            if self.model.time <= end:
                registries[name].receive("grant", usd_per_year / WEEKS_PER_YEAR, payer=self.name)
