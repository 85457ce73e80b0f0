"""Would-be sponsors of alternative registries: one pool with a finite yearly budget.

The pool stands for the firms that might pay for a rival registry (a cloud or tooling vendor, a
start-up, a consortium of users). It commits to an alternative only after the alternative's
demand has lasted (`ecosystem.py` decides when), pays its build over the build time, its
starting reserves when it opens, and then its steward budget until the commitment ends. Every
payment comes out of the current year's budget: the pool never spends more in a year than its
budget, and a payment that does not fit is cut (docs/model.md, section 7.15).
"""

from __future__ import annotations

from dataclasses import dataclass

WEEKS_PER_YEAR = 52


@dataclass
class Commitment:
    """One sponsor's promise to one alternative (by incumbent index)."""

    incumbent_index: int
    start_time: float  # week the sponsor committed
    open_time: float  # week the build is due to finish
    end_time: float  # week the commitment ends (renewed or not at that point)
    build_cost_usd: float  # the whole build, paid evenly over the build weeks
    build_paid_usd: float = 0.0


@dataclass
class SponsorPool:
    """The would-be sponsors' pooled money: a yearly budget, spending booked by year."""

    budget_usd_per_year: float
    spent_this_year_usd: float = 0.0
    spent_total_usd: float = 0.0
    spent_by_year: dict[int, float] | None = None

    def __post_init__(self) -> None:
        """Start the ledger of spending by year."""
        self.commitments: dict[int, Commitment] = {}
        self.spent_by_year = {}

    def new_year(self, year: int) -> None:
        """A year boundary: this year's spending starts from nothing."""
        self.spent_this_year_usd = 0.0
        self.spent_by_year.setdefault(year, 0.0)

    @property
    def left_this_year_usd(self) -> float:
        """Budget not yet spent this year."""
        return max(0.0, self.budget_usd_per_year - self.spent_this_year_usd)

    def pay(self, wanted_usd: float, year: int) -> float:
        """Pay what fits in this year's budget (never more than asked); return the amount paid."""
        paid = min(max(wanted_usd, 0.0), self.left_this_year_usd)
        self.spent_this_year_usd += paid
        self.spent_total_usd += paid
        self.spent_by_year[year] = self.spent_by_year.get(year, 0.0) + paid
        return paid

    def commit(self, commitment: Commitment) -> None:
        """Record a new commitment."""
        self.commitments[commitment.incumbent_index] = commitment

    def end(self, incumbent_index: int) -> None:
        """The sponsor stops paying this alternative."""
        self.commitments.pop(incumbent_index, None)
