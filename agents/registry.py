"""RegistryAgent: one package registry's demand, accounts, status, steward budget and removal queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from mesa import Agent

if TYPE_CHECKING:
    from model.model import RegistryModel
    from model.profiles import RegistryProfile

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = WEEKS_PER_YEAR / 12
HOURS_PER_WEEK = 168.0
COST_ITEMS = ("bandwidth", "storage", "compute", "malware_mitigation", "staff", "other")
LABOUR_ITEMS = ("malware_mitigation", "other")  # the items volunteers work on
REVENUE_SOURCES = (
    "donation",
    "opex",
    "grant",
    "fees",
    "organisations",
    "paid_tier",
    "usage",
    "mirror",
    "consortium",
    "steward",
    "appeal",
)


@dataclass
class WeekOfMalware:
    """One registry's malware statistics for one week (filled by the model's malware process)."""

    arrivals: int = 0
    identified: int = 0
    removed: int = 0
    live: int = 0
    downloads: float = 0.0
    removal_hours_observed: float = float("nan")


class Status(StrEnum):
    """A registry's health, worsening as its runway falls."""

    HEALTHY = "healthy"
    STRAINED = "strained"  # an emergency appeal, 'other' costs cut
    DEGRADED = "degraded"  # security staff cut as well
    READ_ONLY = "read_only"  # no new publishing
    SHUT_DOWN = "shut_down"  # out of cash; serves nothing


class RegistryAgent(Agent):
    """A package registry: serves downloads, pays its costs, hires security staff."""

    def __init__(self, model: RegistryModel, profile: RegistryProfile, kind: str = "incumbent") -> None:
        """Set up the registry from its profile, scaled to the model's start year."""
        super().__init__(model)
        p = model.p
        self.name = profile.name
        self.label = profile.label
        self.kind = kind
        self.profile = profile
        self.eligible_for_grants = profile.umbrella_eligible
        years_from_2026 = p.start_year - 2026
        growth = profile.download_growth_per_year
        self.downloads_per_week = profile.downloads_per_week * (1 + growth) ** years_from_2026
        publishing = (1 + p.publishing_growth_per_year) ** years_from_2026
        self.packages = profile.packages * publishing
        self.new_packages_per_week = profile.new_packages_per_week * publishing
        self.uploads_per_week = profile.uploads_per_week * publishing
        self.ops_fte = profile.ops_fte
        self.security_fte = profile.own_security_fte
        self.staffing_changes: list[tuple[float, float]] = []  # (due time, FTE change)
        self.reports_per_week = 0.0
        self.publishers = profile.publishers  # real publishing accounts
        self.organisation_members = 0.0  # company publishers with a paid organisation seat here
        self.demand_ceded = 0.0  # share of its ecosystem's downloads served by an alternative instead
        self.opened_time = model.time
        self.malware = WeekOfMalware()  # this week's malware statistics
        self.status = Status.HEALTHY
        self.incoming: dict[str, float] = defaultdict(float)
        self.revenue = dict.fromkeys(REVENUE_SOURCES, 0.0)
        self.cost = dict.fromkeys(COST_ITEMS, 0.0)
        self.inkind = dict.fromkeys(COST_ITEMS, 0.0)
        self.grant_usd_per_year = 0.0
        self.cdn_active = p.cdn_donation and profile.cdn_share > 0
        self.cdn_contract_end_year = profile.cdn_contract_end_year
        self.cloud_contract_end_year = p.start_year  # renewal decided at the end of the first year
        self._lost_cloud_credit_week = 0.0
        self.donor_search_ends: dict[str, float] = {}  # donor kind -> time a replacement arrives
        self.removal_median_hours = 0.0  # service median (capped) plus the backlog's wait
        self.removal_service_hours = 0.0  # median of the lognormal part, before the wait
        self.removal_wait_hours = 0.0  # wait behind the backlog carried over, hours
        self.backlog_reports = 0.0  # reports carried over to next week
        self.security_capacity = 0.0  # reports served per week (staff, tooling, volunteers)
        self.utilisation = 0.0  # this week's arrivals over capacity
        self.workload_trend = 0.0  # arrivals averaged over `workload_trend_weeks`
        self.steward_capacity_usd_per_year = 0.0  # the owner's fundraising capacity (grows yearly)
        self.appeal_time: float | None = None  # when its last emergency appeal ran
        self.affordable_extra_fte = 0.0  # extra security staff its owner can pay for, fixed at each review
        self.cash = 0.0
        self.monthly_cash_cost = 0.0
        self.steward_usd_per_year = 0.0
        self.cost_index = 1.0  # fully costed cost relative to the start (opex contracts follow it)
        self.year_revenue = self.year_cost = self.previous_year_cost = self.steward_paid_this_year = 0.0
        self.mitigation_budget_usd = float("inf")  # cash for mitigation work left until the next review (none set yet)
        self.mitigation_unfunded_usd = 0.0  # cash mitigation work wanted this week and not paid for (so not done)
        self.year_mitigation_wanted = self.year_mitigation_unfunded = self.previous_mitigation_wanted_per_year = 0.0
        self.weeks_this_year = 0  # weeks of accounts in the current year (fewer in a registry's first year)
        self.shut_down_time: float | None = None
        self.receivership_debt_usd = 0.0  # advances an administrator paid in its place (receivership setting)
        self.board_cost_cuts = False  # its board cut 'other' costs before low runway forced it
        self._calibrate_costs(model)

    # ----- calibration ----------------------------------------------------------------------
    def _calibrate_costs(self, model: RegistryModel) -> None:
        """Fix each cost item's coefficient so that 2026 shares match the sourced cost shares."""
        from_profile = self.profile
        p = model.p
        full_week = model.full_cost_usd_per_year(from_profile) / WEEKS_PER_YEAR
        shares = model.cost_shares
        self._ref = {
            "downloads": from_profile.downloads_per_week,
            "packages": from_profile.packages,
            "workload": model.reference_workload(from_profile),
        }
        self._coef = {item: shares[item] * full_week for item in shares}
        start_staff_fte = (
            from_profile.ops_fte
            + from_profile.own_security_fte
            + (p.start_grant_fte if from_profile.umbrella_eligible else 0.0)
        )
        staff_week = start_staff_fte * p.fte_cost_usd_per_year / WEEKS_PER_YEAR
        self._coef["other"] = max(0.0, (1 - sum(shares.values())) * full_week - staff_week)
        infra_ref = (
            self._coef["bandwidth"] * (1 - from_profile.cdn_share) + self._coef["storage"] + self._coef["compute"]
        )
        self.cloud_credit_week = (
            from_profile.cloud_credit_cover
            * infra_ref
            * (1 + from_profile.cloud_credit_growth_per_year) ** (p.start_year - 2026)
        )
        labour_ref = sum(self._coef[item] for item in LABOUR_ITEMS)
        self.volunteer_week = from_profile.volunteer_cover * labour_ref
        self._volunteer_share = {
            item: self._coef[item] / labour_ref if labour_ref > 0 else 0.0 for item in LABOUR_ITEMS
        }

    # ----- tick: demand and publishing ------------------------------------------------------
    def grow_demand(self, extra_growth: float) -> None:
        """Grow weekly downloads along the registry's yearly growth rate (an ecosystem's total demand)."""
        growth = self.profile.download_growth_per_year * self.model.p.demand_growth_multiplier + extra_growth
        self.downloads_per_week *= (1 + growth) ** (1 / WEEKS_PER_YEAR)

    @property
    def downloads_served(self) -> float:
        """Downloads actually served this week, after heavy consumers' responses (none once shut down; low runway limits no one)."""
        if self.status == Status.SHUT_DOWN:
            return 0.0
        return self.downloads_per_week * (1 - self.demand_ceded) * self.model.traffic_factor(self)

    @property
    def accepts_uploads(self) -> bool:
        """Whether publishing is open (not read-only or shut down)."""
        return self.status not in (Status.READ_ONLY, Status.SHUT_DOWN)

    def publish(self, new_packages: float, uploads: float, fees_usd: float) -> None:
        """Take this week's new packages and uploads from its developers; charge their fees."""
        self.new_packages_per_week = new_packages
        self.uploads_per_week = uploads
        if not self.accepts_uploads:
            return
        self.packages += new_packages
        if fees_usd > 0:
            self.receive("fees", fees_usd, payer="publishers")

    @property
    def workload(self) -> float:
        """Security workload in reports per week (reports plus upload review)."""
        uploads = self.uploads_per_week if self.accepts_uploads else 0.0
        return self.reports_per_week + uploads / self.model.p.uploads_per_report_equivalent

    # ----- tick: money ----------------------------------------------------------------------
    def receive(self, source: str, amount_usd: float, payer: str) -> None:
        """Accept a payment into this week's revenue."""
        if self.status == Status.SHUT_DOWN or amount_usd <= 0:
            return
        self.incoming[source] += amount_usd
        self.model.record_payment(payer, amount_usd)

    def full_costs(self) -> dict[str, float]:
        """This week's fully costed cost items (cash plus in-kind), in USD."""
        if self.status == Status.SHUT_DOWN:
            return dict.fromkeys(COST_ITEMS, 0.0)
        c, ref, p = self._coef, self._ref, self.model.p
        served = self.downloads_served / ref["downloads"]
        unit_price = (1 - p.infrastructure_price_decline_per_year) ** self.model.years_since_2026
        return {
            "bandwidth": c["bandwidth"] * unit_price * served,
            "storage": c["storage"] * unit_price * self.packages / ref["packages"],
            "compute": c["compute"] * unit_price * served**p.compute_scaling_exponent,
            "malware_mitigation": c["malware_mitigation"]
            * (self.workload / ref["workload"]) ** p.mitigation_scaling_exponent,
            "staff": (self.ops_fte + self.security_fte) * self.model.p.fte_cost_usd_per_year / WEEKS_PER_YEAR,
            "other": c["other"] * (1 - p.strained_cost_cut_share if self.cutting_costs else 1.0),
        }

    @property
    def cutting_costs(self) -> bool:
        """Whether it cuts its 'other' costs: its board chose to, or low runway made it (strained or worse)."""
        return self.board_cost_cuts or self.status in (Status.STRAINED, Status.DEGRADED, Status.READ_ONLY)

    @property
    def cuts_lifted_when_healthy_usd_per_month(self) -> float:
        """What health would add back a month (USD): the runway-driven cut to 'other' costs, not a board's own."""
        if self.board_cost_cuts or self.status in (Status.HEALTHY, Status.SHUT_DOWN):
            return 0.0
        return self._coef["other"] * self.model.p.strained_cost_cut_share * WEEKS_PER_MONTH

    def split_inkind(self, full: dict[str, float]) -> dict[str, float]:
        """Allocate in-kind donations (CDN, cloud credits, volunteers) against cost items."""
        inkind = dict.fromkeys(COST_ITEMS, 0.0)
        if self.cdn_active:
            inkind["bandwidth"] = full["bandwidth"] * self.profile.cdn_share
        credit = self.cloud_credit_week
        for item in ("bandwidth", "storage", "compute"):
            used = min(credit, full[item] - inkind[item])
            inkind[item] += used
            credit -= used
        spare = self.volunteer_week
        for item in LABOUR_ITEMS:  # volunteers keep to their tasks: each item gets its reference share of their hours
            inkind[item] = min(full[item], self.volunteer_week * self._volunteer_share[item])
            spare -= inkind[item]
        for item in LABOUR_ITEMS:  # hours one item does not need go to the other
            extra = min(max(spare, 0.0), full[item] - inkind[item])
            inkind[item] += extra
            spare -= extra
        return inkind

    def settle_accounts(self) -> None:
        """Pay this week's cash costs from revenue and reserves; update status."""
        self.replace_lost_donors()
        full = self.full_costs()
        inkind = self.split_inkind(full)
        cash_cost = {item: full[item] - inkind[item] for item in COST_ITEMS}
        self._fund_mitigation(cash_cost)
        self.revenue = {source: self.incoming.get(source, 0.0) for source in REVENUE_SOURCES}
        self.incoming.clear()
        self.grant_usd_per_year = self.revenue["grant"] * WEEKS_PER_YEAR
        total_cost = sum(cash_cost.values())
        total_revenue = sum(self.revenue.values())
        if (
            self.cash + total_revenue < total_cost
            and self.kind == "incumbent"
            and self.model.p.receivership_instead_of_shutdown
        ):
            self._advance_in_receivership(total_cost - self.cash - total_revenue)
        elif self.cash + total_revenue < total_cost:  # cannot pay in full: pay what it can, then stop
            affordable = (self.cash + total_revenue) / total_cost if total_cost > 0 else 0.0
            cash_cost = {item: value * affordable for item, value in cash_cost.items()}
            total_cost = sum(cash_cost.values())
            self._shut_down()
        self.cost, self.inkind = cash_cost, inkind
        self.cost_index = sum(full.values()) / self.start_full_cost_week if self.status != Status.SHUT_DOWN else 0.0
        self.year_revenue += total_revenue
        self.year_cost += total_cost
        self.weeks_this_year += 1
        self.cash = max(0.0, self.cash + total_revenue - total_cost)
        self.monthly_cash_cost = total_cost * WEEKS_PER_MONTH
        self._update_status()
        if self.status in (Status.DEGRADED, Status.READ_ONLY) and self.kind == "incumbent":
            self.model.notify_service_incident(self, self.model.p.service_incident_memory_per_week)

    def _fund_mitigation(self, cash_cost: dict[str, float]) -> None:
        """Pay this week's cash mitigation work from its budget; work beyond the budget is not done (it is discretionary).

        paid = min(wanted, budget left), with wanted × (1 − security_cut_when_degraded) while degraded or read-only.
        """
        wanted = cash_cost["malware_mitigation"]
        bought = wanted
        if self.status in (Status.DEGRADED, Status.READ_ONLY):
            bought *= 1 - self.model.p.security_cut_when_degraded
        paid = min(bought, self.mitigation_budget_usd)
        self.mitigation_budget_usd -= paid
        cash_cost["malware_mitigation"] = paid
        self.mitigation_unfunded_usd = wanted - paid
        self.year_mitigation_wanted += wanted
        self.year_mitigation_unfunded += self.mitigation_unfunded_usd

    def open_books(self, steward_usd_per_year: float, cash_usd: float, monthly_cash_cost: float) -> None:
        """Set the starting steward budget and reserves (called once by the model)."""
        self.steward_usd_per_year = steward_usd_per_year
        multiple = self.profile.steward_capacity_multiple * self.model.p.steward_capacity_multiplier
        self.steward_capacity_usd_per_year = multiple * steward_usd_per_year
        self.affordable_extra_fte = self.spare_capacity_usd_per_year / self.model.p.fte_cost_usd_per_year
        self.start_full_cost_week = sum(self.full_costs().values())
        self.cash = cash_usd
        self.monthly_cash_cost = monthly_cash_cost

    def collect_steward_funding(self) -> None:
        """Receive this week's funding from the steward (parent company or foundation)."""
        if self.kind == "alternative":
            return  # its sponsor pays from the sponsor pool (model/ecosystem.py, pay_sponsored_alternatives)
        if self.status != Status.SHUT_DOWN:
            self.steward_paid_this_year += self.steward_usd_per_year / WEEKS_PER_YEAR
        self.receive("steward", self.steward_usd_per_year / WEEKS_PER_YEAR, payer=f"steward:{self.name}")

    def review_steward_budget(self) -> None:
        """At a review: the owner moves its budget toward its funding need, within its fundraising capacity.

        need = projected deficit + reserve gap / rebuild years; budget += r * (need - budget), then
        capped by the capacity, which grows at the owner's own rate (one rule for every owner).
        Incumbents' owners review yearly; an alternative's sponsor quarterly, with the accounts of a
        part year annualised and growth compounded to a year; the sponsor pool bounds an
        alternative's budget (`ecosystem.review_sponsorships`) in place of a capacity of its own.
        """
        profile, p = self.profile, self.model.p
        to_year = WEEKS_PER_YEAR / max(self.weeks_this_year, 1)  # a part year (a quarter, a first year): annualised
        wanted_cost = (self.year_cost + self.year_mitigation_unfunded) * to_year  # including work it could not pay for
        if self.status != Status.SHUT_DOWN and self.year_cost > 0:
            annual_cost = wanted_cost
            cost_growth = (annual_cost / self.previous_year_cost) ** to_year if self.previous_year_cost > 0 else 1.0
            projected_cost = annual_cost * cost_growth
            other_revenue = (self.year_revenue - self.steward_paid_this_year) * to_year
            deficit = max(0.0, projected_cost - other_revenue)
            reserve_gap = max(0.0, profile.reserve_target_months * projected_cost / 12 - self.cash)
            need = deficit + reserve_gap / p.steward_reserve_rebuild_years
            budget = max(0.0, self.steward_usd_per_year + p.steward_responsiveness * (need - self.steward_usd_per_year))
            if self.kind == "alternative":
                self.steward_usd_per_year = budget
            else:
                self.steward_capacity_usd_per_year *= 1 + profile.steward_capacity_growth_per_year
                self.steward_usd_per_year = min(budget, self.steward_capacity_usd_per_year)
            self._plan_mitigation(budget - self.steward_usd_per_year, to_year)
            self._plan_security_budget()
        self.previous_year_cost = wanted_cost
        self.previous_mitigation_wanted_per_year = self.year_mitigation_wanted * to_year
        self.year_revenue = self.year_cost = self.steward_paid_this_year = 0.0
        self.year_mitigation_wanted = self.year_mitigation_unfunded = 0.0
        self.weeks_this_year = 0

    def _plan_mitigation(self, shortfall_usd_per_year: float, to_year: float) -> None:
        """Set the cash its owner puts into mitigation work until the next review.

        budget = (work wanted last period, at its own growth) − the shortfall of the owner's budget
        below what it wanted (its capacity bound), for the coming period and at least 0. A first
        review projects at the published growth of malware, to the power of the cost's scaling.
        """
        p = self.model.p
        wanted = self.year_mitigation_wanted * to_year  # a year's worth
        if self.previous_mitigation_wanted_per_year > 0:
            growth = wanted / self.previous_mitigation_wanted_per_year
        else:
            growth = (1 + p.malware_growth_per_year) ** p.mitigation_scaling_exponent
        period = p.alt_sponsor_review_weeks if self.kind == "alternative" else WEEKS_PER_YEAR
        budget_per_year = max(0.0, wanted * growth - max(shortfall_usd_per_year, 0.0))
        self.mitigation_budget_usd = budget_per_year * period / WEEKS_PER_YEAR

    def _plan_security_budget(self) -> None:
        """Fix the extra security staff its owner can pay for until the next review (its extra now plus spare capacity)."""
        p = self.model.p
        posts = self.profile.own_security_fte + p.extra_security_fte_by_registry.get(self.name, 0.0)
        extra_now = max(0.0, self.security_fte - self.grant_fte - posts)
        self.affordable_extra_fte = extra_now + self.spare_capacity_usd_per_year / p.fte_cost_usd_per_year

    @property
    def spare_capacity_usd_per_year(self) -> float:
        """Fundraising capacity its owner has not yet committed."""
        return max(0.0, self.steward_capacity_usd_per_year - self.steward_usd_per_year)

    @property
    def runway_months(self) -> float:
        """Months the reserves would last at this week's cash cost."""
        if self.status == Status.SHUT_DOWN:
            return 0.0
        return self.cash / self.monthly_cash_cost if self.monthly_cash_cost > 0 else float("inf")

    def _update_status(self) -> None:
        """Move between healthy, strained, degraded and read-only by runway.

        A registry worsens as soon as its runway falls below a threshold, but recovers only once
        the runway clears the threshold by `status_recovery_margin_months` (no weekly flapping); it
        becomes healthy only if the runway clears it with its runway-driven cost cuts lifted.
        """
        if self.status == Status.SHUT_DOWN:
            return
        p, runway = self.model.p, self.runway_months
        thresholds = [
            (Status.READ_ONLY, p.read_only_runway_months),
            (Status.DEGRADED, p.degraded_runway_months),
            (Status.STRAINED, p.strained_runway_months),
        ]
        order = [Status.HEALTHY, Status.STRAINED, Status.DEGRADED, Status.READ_ONLY]
        new = next((status for status, limit in thresholds if runway < limit), Status.HEALTHY)
        if order.index(new) < order.index(self.status):  # recovering: demand the margin
            new = next(
                (status for status, limit in thresholds if runway < limit + p.status_recovery_margin_months),
                Status.HEALTHY,
            )
            lifted = self.cuts_lifted_when_healthy_usd_per_month  # health is judged at the costs it brings back
            restored_runway = self.cash / (self.monthly_cash_cost + lifted) if lifted > 0 else runway
            if new == Status.HEALTHY and restored_runway < p.strained_runway_months + p.status_recovery_margin_months:
                new = Status.STRAINED
            if order.index(new) > order.index(self.status):
                new = self.status
        if new != self.status:
            self.model.log_event(
                "status", self.name, f"{self.label} is now {new.value} ({runway:.1f} months of runway)"
            )
            if self.status == Status.HEALTHY:
                self._emergency_appeal()
            self.status = new

    def _emergency_appeal(self) -> None:
        """On leaving health, its owner appeals (at most once a year) for one-off gifts: a share of a year's cash cost."""
        p, now = self.model.p, self.model.time
        if self.appeal_time is not None and now - self.appeal_time < WEEKS_PER_YEAR:
            return
        self.appeal_time = now
        gift = p.emergency_appeal_share * self.monthly_cash_cost * 12
        self.receive("appeal", gift, payer=f"appeal:{self.name}")  # arrives with next week's revenue
        self.steward_paid_this_year += gift  # one-off: the review does not count it as recurring revenue
        self.model.log_event("appeal", self.name, f"{self.label} made an emergency appeal (${gift:,.0f})")

    def _advance_in_receivership(self, shortfall_usd: float) -> None:
        """An administrator pays what it cannot: it stays open (read-only by its runway of 0) and owes the advance."""
        if self.receivership_debt_usd == 0:
            self.model.log_event(
                "receivership", self.name, f"{self.label} entered receivership: an administrator pays its bills"
            )
        self.receivership_debt_usd += shortfall_usd
        self.cash += shortfall_usd  # spent on this week's bills at once

    def repay_receivership(self, amount_usd: float) -> float:
        """Pay the administrator back from a rescue; return what is left of `amount_usd`, and leave receivership if repaid."""
        repaid = min(max(amount_usd, 0.0), self.receivership_debt_usd)
        self.receivership_debt_usd -= repaid
        if repaid > 0 and self.receivership_debt_usd == 0:
            self.model.log_event("receivership_ended", self.name, f"{self.label} left receivership: its debt is repaid")
        return max(amount_usd, 0.0) - repaid

    def emergency_appeal(self) -> None:
        """Its board calls an emergency appeal now (the same appeal as on leaving health; at most once a year)."""
        self._emergency_appeal()

    def _shut_down(self) -> None:
        """Run out of cash: stop serving, let staff go, log the insolvency (an alternative's: its failure)."""
        if self.kind == "incumbent":
            self.close(f"{self.label} ran out of cash and shut down", kind="insolvency")
            self.model.notify_service_incident(self, 1.0)  # firms depend on incumbents only
        else:
            self.close(f"{self.label} failed: it ran out of cash and shut down")

    def close(self, why: str, kind: str = "alternative_failed") -> None:
        """Stop serving for good: no staff, no uploads, no downloads."""
        self.status = Status.SHUT_DOWN
        self.shut_down_time = self.model.time
        self.ops_fte = self.security_fte = 0.0
        self.staffing_changes.clear()
        self.model.log_event(kind, self.name, why)

    # ----- tick: security capacity ----------------------------------------------------------
    def security_target_fte(self) -> float:
        """Security staff it aims for: its own posts, extra posts for its queue, grant-funded posts."""
        p = self.model.p
        lever_extra = p.extra_security_fte_by_registry.get(self.name, 0.0)  # posts a player or policy adds
        own = self.profile.own_security_fte + lever_extra
        if p.min_security_share > 0:
            security_cost = self.security_fte * p.fte_cost_usd_per_year / WEEKS_PER_YEAR
            other_cost = max(0.0, sum(self.cost.values()) - security_cost)
            share = min(p.min_security_share, 0.95)
            needed = share / (1 - share) * other_cost * WEEKS_PER_YEAR / p.fte_cost_usd_per_year
            own = max(own, needed - self.grant_fte)
        own += self._extra_fte_for_queue(own - lever_extra)  # added posts come on top of what the queue asks for
        if self.status in (Status.DEGRADED, Status.READ_ONLY):
            own *= 1 - p.security_cut_when_degraded
        return own + self.grant_fte

    @property
    def grant_fte(self) -> float:
        """Security posts its grants pay for."""
        return self.grant_usd_per_year / self.model.p.fte_cost_usd_per_year

    def _extra_fte_for_queue(self, posts_fte: float) -> float:
        """Own staff beyond its posts that keep expected utilisation under target, as far as its owner can pay.

        Healthy or strained: hire toward the target for the arrivals expected when a hire starts, up
        to the extra staff its owner's spare fundraising capacity paid for at the last review (an owner
        at its capacity hires no more). Degraded or read-only: none.
        """
        p = self.model.p
        if self.status not in (Status.HEALTHY, Status.STRAINED):
            return 0.0
        expected = self.workload_trend * (1 + p.malware_growth_per_year) ** (
            (p.hiring_delay_weeks + p.workload_trend_weeks) / WEEKS_PER_YEAR
        )  # arrivals when a hire starts, at the published growth of malware
        capacity_wanted = expected / (p.security_target_utilisation * self.reports_per_fte_week(expected))
        wanted = capacity_wanted - self.tooling_fte - self.grant_fte - posts_fte
        return min(max(wanted, 0.0), self.affordable_extra_fte)

    def reports_per_fte_week(self, workload: float) -> float:
        """Reports one FTE of security work serves a week at a workload: more as triage is automated at scale.

        r = reports_per_security_fte_week * max(1, workload / 2026 reference workload) ** removal_automation_exponent
        """
        return self.model.reports_per_fte_week(workload, self._ref["workload"])

    @property
    def tooling_fte(self) -> float:
        """Removal capacity bought by malware-mitigation spending (cash and volunteer hours), in staff equivalents."""
        p = self.model.p
        mitigation_usd_per_year = (self.cost["malware_mitigation"] + self.inkind["malware_mitigation"]) * WEEKS_PER_YEAR
        return p.mitigation_capacity_per_staff_usd * mitigation_usd_per_year / p.fte_cost_usd_per_year

    def update_security(self) -> None:
        """Hire toward the target after a delay, let staff go after notice; then serve the removal queue."""
        if self.status == Status.SHUT_DOWN:
            self.removal_median_hours = self.removal_service_hours = self.model.p.removal_hours_unstaffed
            self.removal_wait_hours = self.utilisation = 0.0
            return
        p, now = self.model.p, self.model.time
        committed = self.security_fte + sum(delta for _, delta in self.staffing_changes)
        gap = self.security_target_fte() - committed
        if gap > 1e-9:
            self.staffing_changes.append((now + p.hiring_delay_weeks, gap))
        elif gap < -1e-9:
            self._cancel_or_release(-gap, now + p.staff_notice_weeks)
        due = [change for change in self.staffing_changes if change[0] <= now]
        self.staffing_changes = [change for change in self.staffing_changes if change[0] > now]
        self.security_fte = max(0.0, self.security_fte + sum(delta for _, delta in due))
        self.serve_queue()

    @property
    def security_capacity_fte(self) -> float:
        """Security work that serves malware reports: paid staff plus volunteer security work, FTE."""
        if self.status == Status.SHUT_DOWN:
            return 0.0
        return self.security_fte + self.profile.volunteer_security_fte

    def serve_queue(self) -> None:
        """Serve this week's reports: capacity from staff, volunteers and tooling; what is left waits next week.

        backlog' = max(0, backlog + arrivals - capacity); the median delay is the queue formula at
        this week's utilisation (capped as observed) plus the wait behind the backlog carried over.
        """
        p = self.model.p
        arrivals = self.workload
        trend_weight = 1 / p.workload_trend_weeks
        self.workload_trend += trend_weight * (arrivals - self.workload_trend)
        per_fte = self.reports_per_fte_week(self.workload_trend)
        capacity = max((self.security_capacity_fte + self.tooling_fte) * per_fte, 1e-9)
        self.security_capacity = capacity
        backlog = self.backlog_reports + arrivals - capacity
        self.backlog_reports = backlog if backlog > 1e-9 * capacity else 0.0  # no rounding residue
        self.utilisation = arrivals / capacity
        self.removal_service_hours = self.model.removal_service_hours(self.utilisation)
        self.removal_wait_hours = HOURS_PER_WEEK * self.backlog_reports / capacity
        self.removal_median_hours = self.removal_service_hours + self.removal_wait_hours

    def _cancel_or_release(self, excess_fte: float, leave_time: float) -> None:
        """Cancel unfilled hires first, then give notice to the remaining excess staff."""
        for index in range(len(self.staffing_changes) - 1, -1, -1):
            due, delta = self.staffing_changes[index]
            if delta > 0 and excess_fte > 0:
                cancelled = min(delta, excess_fte)
                self.staffing_changes[index] = (due, delta - cancelled)
                excess_fte -= cancelled
        self.staffing_changes = [change for change in self.staffing_changes if abs(change[1]) > 1e-12]
        if excess_fte > 1e-9:
            self.staffing_changes.append((leave_time, -excess_fte))

    # ----- yearly: in-kind donors -----------------------------------------------------------
    def renew_inkind_donors(self, year: int) -> None:
        """At a year boundary, in-kind donors whose contracts ended renew or leave."""
        p, m = self.model.p, self.model
        cdn_draw, cloud_draw = m.streams.generator("inkind.renewals", self.name, m.year_index).random(2)
        self.cloud_credit_week *= 1 + self.profile.cloud_credit_growth_per_year
        self._lost_cloud_credit_week *= 1 + self.profile.cloud_credit_growth_per_year
        if p.cdn_donor_leaves_year is not None and year >= p.cdn_donor_leaves_year and self.cdn_active:
            self.lose_cdn_donor_for_good()
        cdn_contract_over = self.cdn_contract_end_year is None or year > self.cdn_contract_end_year
        if self.cdn_active and cdn_contract_over and cdn_draw > p.inkind_renewal_prob:
            self._lose_donor("cdn", "its CDN donor did not renew")
        if self.cloud_credit_week > 0 and year > self.cloud_contract_end_year:
            if cloud_draw > p.inkind_renewal_prob:
                self._lose_donor("cloud", "its cloud-credit donor did not renew")
            else:
                self.cloud_contract_end_year = year + p.inkind_contract_years - 1

    def _lose_donor(self, which: str, why: str, replaceable: bool = True) -> None:
        """An in-kind donor leaves: its share becomes cash cost at once, until a new donor is found."""
        if which == "cdn":
            self.cdn_active = False
        else:
            self._lost_cloud_credit_week, self.cloud_credit_week = self.cloud_credit_week, 0.0
        self.model.log_event("donor_left", self.name, f"{self.label}: {why}")
        if not replaceable or (which == "cdn" and self.model.p.cdn_donor_leaves_year is not None):
            self.donor_search_ends.pop(which, None)
            return  # the shock: no replacement donor
        self.donor_search_ends[which] = self.model.time + self.model.p.inkind_replacement_weeks

    def lose_cdn_donor_for_good(self) -> None:
        """Shock: the CDN donor leaves now and no replacement is found (a search under way ends too)."""
        if self.cdn_active:
            self._lose_donor("cdn", "its CDN donor left (shock)", replaceable=False)
        else:
            self.donor_search_ends.pop("cdn", None)

    def replace_lost_donors(self) -> None:
        """A new in-kind donor takes over a lost one's role once the search has run its course."""
        for which, found_time in list(self.donor_search_ends.items()):
            if self.model.time >= found_time and self.status != Status.SHUT_DOWN:
                del self.donor_search_ends[which]
                self._take_new_donor(which)

    def _take_new_donor(self, which: str) -> None:
        """Restore the in-kind cover a lost donor gave."""
        if which == "cdn":
            self.cdn_active = True
        else:
            self.cloud_credit_week = self._lost_cloud_credit_week
            self.cloud_contract_end_year = self.model.year + self.model.p.inkind_contract_years - 1
        self.model.log_event("donor_found", self.name, f"{self.label} found a new {which} donor")
