"""Developers and alternative registries: publishing, fees, switching, entry and exit.

Registries are indexed: the n incumbents 0 to n-1 in catalogue order, and the alternative to
incumbent i at index n + i (created only when it enters). Functions here take the model and act
on its developer arrays and registry agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.registry import RegistryAgent, Status
from model.developers import SwitchContext
from model.profiles import RegistryProfile, alternative_profile
from model.sponsors import Commitment

WEEKS_PER_YEAR = 52

if TYPE_CHECKING:
    from model.model import RegistryModel


def alternative_package_share(incumbent: RegistryAgent, alternative: RegistryAgent) -> float:
    """The alternative's share of its ecosystem's package stock."""
    return alternative.packages / max(incumbent.packages + alternative.packages, 1.0)


def scanner_coverage(model: RegistryModel, registry: RegistryAgent) -> float:
    """How closely outside malware scanners watch a registry's uploads, 0 to 1 (1 at an incumbent).

    Scanners watch where the downloads are: an alternative is watched in proportion to its share
    of its ecosystem's downloads, fully from `scanner_full_coverage_reach_share` (an assumption).
    """
    if registry.kind != "alternative":
        return 1.0
    incumbent = model.registries_by_name[registry.profile.incumbent_name]
    reach_share = registry.downloads_per_week / max(incumbent.downloads_per_week, 1.0)
    return min(1.0, reach_share / model.p.scanner_full_coverage_reach_share)


def malware_live_hours(model: RegistryModel, coverage: float, removal_median_hours: float) -> float:
    """Typical hours a malicious package stays up at a registry: median detection delay (fast or slow) plus removal.

    What a security-aware publisher weighs: fast detection (outside scanners, in proportion to
    `coverage`) and slow detection by their median delays, and the registry's removal median.
    """
    p = model.p
    fast = p.fast_detection_share * coverage
    detection = fast * p.fast_detection_median_hours + (1 - fast) * p.slow_detection_median_hours
    return detection + max(removal_median_hours, 1e-3)


def malware_attraction(model: RegistryModel, registry: RegistryAgent) -> float:
    """Malware per package at an alternative relative to its incumbent: more where scanners watch less."""
    unwatched = 1.0 - scanner_coverage(model, registry)
    return 1.0 + (model.p.unwatched_malware_attraction - 1.0) * unwatched


def split_demand(model: RegistryModel) -> None:
    """Share each ecosystem's downloads between its incumbent and an open alternative, by packages."""
    for index, alternative in model.alternatives.items():
        incumbent = model.registry_list[index]
        if alternative.status == Status.SHUT_DOWN:
            incumbent.demand_ceded = 0.0  # a closed alternative serves nobody: its demand is the incumbent's again
            continue
        package_share = alternative_package_share(incumbent, alternative)
        ceded = max(package_share * model.p.alt_reach_discount, model.p.alt_entry_reach_share)
        alternative.downloads_per_week = incumbent.downloads_per_week * ceded
        incumbent.demand_ceded = ceded


def publishing_growth(model: RegistryModel) -> float:
    """Growth of every developer's publishing rate since the start."""
    return (1 + model.p.publishing_growth_per_year) ** (model.week_index / 52)


def publish(model: RegistryModel) -> None:
    """Developers publish on their homes; each registry takes its packages, uploads and fees."""
    p = model.p
    multiplier = p.ai_publishing_multiplier * publishing_growth(model)
    new_packages = model.new_packages_per_registry(multiplier)
    publishers = model.developers.on_registry(len(model.registry_names)) * model.developers.represented
    uploads_per_new_package = model.uploads_per_new_package
    for index, registry in model.registries_by_index.items():
        per_package, per_publisher = model.fees_for(registry.name)
        fees = per_package * new_packages[index] + per_publisher * publishers[index] / 52
        registry.publishers = publishers[index]
        registry.publish(new_packages[index], new_packages[index] * uploads_per_new_package[index], fees)
    sell_organisation_seats(model)


def sell_organisation_seats(model: RegistryModel) -> None:
    """Companies buy organisation seats where a registry sells them and a seat is worth its price to them."""
    prices = {r.name: model.organisation_price_for(r.name) for r in model.registry_list[: model.n_incumbents]}
    if not any(prices.values()):
        return
    members_at: dict[float, np.ndarray] = {}  # one pass over the developers per price
    for name, price in prices.items():
        if price <= 0:
            continue
        if price not in members_at:
            members_at[price] = model.developers.organisation_members(len(model.registry_names), price)
        members = members_at[price]
        registry = model.registries_by_name[name]
        registry.organisation_members = float(members[model.registry_names.index(name)])
        if registry.accepts_uploads:
            registry.receive("organisations", price * registry.organisation_members / 52, payer="organisations")


def switch_context(model: RegistryModel, hypothetical: dict[int, float] | None = None) -> SwitchContext:
    """The start-of-week view every developer decides on.

    `hypothetical` maps an incumbent index to the reach of a not-yet-open alternative, to ask
    how many developers would move if one existed (for entry).
    """
    p, n, n_incumbents = model.p, len(model.registry_names), model.n_incumbents
    option = np.full(n, -1)
    fee_per_package, fee_per_publisher = np.zeros(n), np.zeros(n)
    live, reach = np.ones(n), np.ones(n)
    for index, registry in model.registries_by_index.items():
        live[index] = malware_live_hours(model, scanner_coverage(model, registry), registry.removal_median_hours)
        reach[index] = max(registry.downloads_served, 1.0)
        fee_per_package[index], fee_per_publisher[index] = model.fees_for(registry.name)
    for index in range(n_incumbents):
        alternative = model.alternatives.get(index)
        alt_index = n_incumbents + index
        if alternative is not None and alternative.status != Status.SHUT_DOWN:
            option[index], option[alt_index] = alt_index, index
        elif hypothetical and index in hypothetical:
            option[index] = alt_index
            entry_coverage = min(1.0, p.alt_entry_reach_share / p.scanner_full_coverage_reach_share)
            entry_removal = entry_removal_hours(model, alternative_profile_for(model, index))
            live[alt_index] = malware_live_hours(model, entry_coverage, entry_removal)
            reach[alt_index] = hypothetical[index]
    counts = model.developers.on_registry(n).astype(float)
    ecosystem_size = model.developers.ecosystem_sizes(n_incumbents).astype(float)
    peer_share = counts / np.tile(np.maximum(ecosystem_size, 1.0), 2)
    multiplier = p.ai_publishing_multiplier * publishing_growth(model)
    return SwitchContext(option, fee_per_package, fee_per_publisher, live, reach, peer_share, multiplier)


def switch_registries(model: RegistryModel) -> None:
    """Every developer weighs staying or moving to its ecosystem's other registry (synchronously)."""
    if not model.alternatives:
        return
    context = switch_context(model)
    uniforms = model.streams.weekly("developers.switching").at(model.week_index).random(len(model.developers))
    model.developers.home = model.choose_developer_homes(context, uniforms)


def alternative_profile_for(model: RegistryModel, incumbent_index: int) -> RegistryProfile:
    """The profile an alternative to incumbent `incumbent_index` would have under the current parameters."""
    p, incumbent = model.p, model.registry_list[incumbent_index].profile
    cache = model.__dict__.setdefault("_alternative_profiles", {})  # index -> (parameters, incumbent, profile)
    cached = cache.get(incumbent_index)
    if cached is not None and cached[0] is p and cached[1] is incumbent:
        return cached[2]
    profile = alternative_profile(
        incumbent,
        p.alt_entry_reach_share,
        p.alt_volunteer_cover,
        p.alt_ops_fte,
        p.alt_security_fte,
        p.alt_volunteer_security_fte,
        p.alt_reserve_months,
    )
    cache[incumbent_index] = (p, incumbent, profile)
    return profile


def entry_removal_hours(model: RegistryModel, profile: RegistryProfile) -> float:
    """Removal median an alternative would have when it opens: its own capacity against its entry workload."""
    capacity = profile.own_security_fte + profile.volunteer_security_fte
    reference = model.reference_workload(profile)
    return model.removal_median_hours(capacity, reference, reference)


def open_alternatives(model: RegistryModel) -> None:
    """Weekly: demand that lasts finds a sponsor; sponsored builds progress; finished builds open.

    An ecosystem's demand counts when more than `alt_entry_demand_share` of its developers would
    gain by moving; after `alt_sustained_demand_weeks` such weeks in a row, the sponsor pool
    commits if the alternative's first year fits its uncommitted budget (docs/model.md, 7.15).
    """
    p = model.p
    model.sponsor_pool.budget_usd_per_year = p.alt_sponsor_budget_usd_per_year
    if p.alternatives_enabled:
        sponsor_lasting_demand(model)
    progress_builds(model)


def sponsor_lasting_demand(model: RegistryModel) -> None:
    """Count weeks of demand for each ecosystem without an alternative; commit a sponsor where it lasted."""
    p, pool = model.p, model.sponsor_pool
    candidates = {
        index: model.registry_list[index].downloads_per_week * p.alt_entry_reach_share
        for index in range(model.n_incumbents)
        if index not in model.alternatives and index not in pool.commitments
    }
    if not candidates:
        return
    hypothetical = switch_context(model, hypothetical=candidates)
    demand = model.entry_demand(hypothetical, list(candidates))
    for index in candidates:
        wanted = demand[index] > p.alt_entry_demand_share
        model.entry_demand_weeks[index] = model.entry_demand_weeks[index] + 1 if wanted else 0
        if model.entry_demand_weeks[index] >= p.alt_sustained_demand_weeks:
            try_to_sponsor(model, index, float(demand[index]))


def try_to_sponsor(model: RegistryModel, index: int, demand: float) -> bool:
    """The pool commits to build an alternative if it can pay for it this year and every year after.

    This year: the build, the starting reserves and what it already owes must fit in what is left
    of this year's budget. Every year: the running steward budgets, the new one's included, must
    fit in the yearly budget.
    """
    p, pool = model.p, model.sponsor_pool
    yearly_cost = model.full_cost_usd_per_year(alternative_profile_for(model, index))
    owed_this_year, running = obligations(model)
    one_off = p.alt_build_cost_usd + yearly_cost * p.alt_reserve_months / 12
    if owed_this_year + one_off > pool.left_this_year_usd or running + yearly_cost > pool.budget_usd_per_year:
        return False
    now = model.time
    pool.commit(
        Commitment(
            incumbent_index=index,
            start_time=now,
            open_time=now + p.alt_build_weeks,
            end_time=now + p.alt_build_weeks + p.alt_sponsor_commitment_years * WEEKS_PER_YEAR,
            build_cost_usd=p.alt_build_cost_usd,
        )
    )
    incumbent = model.registry_list[index]
    model.log_event(
        "alternative_sponsored",
        model.catalogue.alternative_names[index],
        f"a sponsor commits to build an alternative to {incumbent.label}: {demand:.0%} of its developers "
        f"would gain by moving, for {model.entry_demand_weeks[index]} weeks",
    )
    return True


def obligations(model: RegistryModel) -> tuple[float, float]:
    """What the pool owes for the rest of this year, and the yearly steward budgets it runs or will run (USD)."""
    owed, running = 0.0, 0.0
    weeks_left = WEEKS_PER_YEAR - model.week_of_year
    for index, commitment in model.sponsor_pool.commitments.items():
        alternative = model.alternatives.get(index)
        if alternative is not None:
            owed += alternative.steward_usd_per_year * weeks_left / WEEKS_PER_YEAR
            running += alternative.steward_usd_per_year
        else:
            yearly_cost = model.full_cost_usd_per_year(alternative_profile_for(model, index))
            weeks_open = max(0.0, model.time + weeks_left - commitment.open_time)
            owed += commitment.build_cost_usd - commitment.build_paid_usd
            owed += yearly_cost * (model.p.alt_reserve_months / 12 + weeks_open / WEEKS_PER_YEAR)
            running += yearly_cost
    return owed, running


def progress_builds(model: RegistryModel) -> None:
    """Sponsors pay the builds under way; a build paid in full and past its build time opens."""
    pool = model.sponsor_pool
    for index, commitment in list(pool.commitments.items()):
        if index in model.alternatives:
            continue
        weekly = commitment.build_cost_usd / max(model.p.alt_build_weeks, 1)
        owed = commitment.build_cost_usd - commitment.build_paid_usd
        commitment.build_paid_usd += pool.pay(min(weekly, owed), model.year)
        built = commitment.build_paid_usd >= commitment.build_cost_usd * (1 - 1e-9)
        if built and model.time >= commitment.open_time:
            enter(model, index)


def enter(model: RegistryModel, incumbent_index: int) -> RegistryAgent:
    """Open the alternative to one incumbent: its sponsor pays its starting reserves and sets its steward budget."""
    p, incumbent = model.p, model.registry_list[incumbent_index]
    profile = alternative_profile_for(model, incumbent_index)
    alternative = RegistryAgent(model, profile, "alternative")
    alternative.packages = 0.0
    alternative.removal_median_hours = entry_removal_hours(model, profile)
    alternative.downloads_per_week = incumbent.downloads_per_week * p.alt_entry_reach_share
    yearly_cost = sum(alternative.full_costs().values()) * WEEKS_PER_YEAR
    reserves = model.sponsor_pool.pay(profile.reserves_months * yearly_cost / 12, model.year)
    alternative.open_books(steward_usd_per_year=yearly_cost, cash_usd=reserves, monthly_cash_cost=yearly_cost / 12)
    model.alternatives[incumbent_index] = alternative
    model.registries_by_index[model.n_incumbents + incumbent_index] = alternative
    model.registry_list.append(alternative)
    model.registries_by_name[alternative.name] = alternative
    model.log_event(
        "alternative_entered",
        alternative.name,
        f"{alternative.label} opened after {p.alt_build_weeks} weeks of building, with "
        f"USD {reserves:,.0f} of reserves from its sponsor",
    )
    return alternative


def pay_sponsored_alternatives(model: RegistryModel) -> None:
    """Weekly: each sponsor pays its open alternative's steward budget, as far as the pool's year allows."""
    pool = model.sponsor_pool
    for index in pool.commitments:
        alternative = model.alternatives.get(index)
        if alternative is None or alternative.status == Status.SHUT_DOWN:
            continue
        paid = pool.pay(alternative.steward_usd_per_year / WEEKS_PER_YEAR, model.year)
        alternative.steward_paid_this_year += paid
        alternative.receive("steward", paid, payer=f"sponsor:{alternative.name}")


def quarterly_sponsor_reviews(model: RegistryModel) -> None:
    """Every `alt_sponsor_review_weeks` inside a year: sponsors review their alternatives' budgets by the steward rule."""
    if model.week_of_year == 0 or model.week_of_year % model.p.alt_sponsor_review_weeks:
        return  # the first week of a year has the yearly reviews of every registry
    for index, alternative in model.alternatives.items():
        if index in model.sponsor_pool.commitments and alternative.status != Status.SHUT_DOWN:
            alternative.review_steward_budget()
    review_sponsorships(model)


def review_sponsorships(model: RegistryModel) -> None:
    """After the stewards' reviews: sponsors cap, renew or end their commitments."""
    p, pool = model.p, model.sponsor_pool
    for index, alternative in model.alternatives.items():
        if alternative.status == Status.SHUT_DOWN:
            pool.end(index)
            continue
        commitment = pool.commitments.get(index)
        if commitment is not None and model.time >= commitment.end_time:
            if developer_share(model, index) >= p.alt_sponsor_renewal_share:
                commitment.end_time = model.time + p.alt_sponsor_commitment_years * WEEKS_PER_YEAR
            else:
                pool.end(index)
                model.log_event(
                    "sponsor_left",
                    alternative.name,
                    f"{alternative.label}'s sponsor did not renew: {developer_share(model, index):.2%} of the "
                    f"ecosystem's developers publish there (it wants {p.alt_sponsor_renewal_share:.0%})",
                )
        if index not in pool.commitments:
            alternative.steward_usd_per_year = 0.0  # no sponsor: it lives on its reserves
    running = {i: alt.steward_usd_per_year for i, alt in model.alternatives.items() if i in pool.commitments}
    for index in sorted(running):  # the pool cannot promise more than its budget: later entrants are cut first
        others = sum(amount for other, amount in running.items() if other < index)
        running[index] = min(running[index], max(0.0, pool.budget_usd_per_year - others))
        model.alternatives[index].steward_usd_per_year = running[index]


def developer_share(model: RegistryModel, index: int) -> float:
    """Share of an ecosystem's developers who publish on its alternative."""
    developers = model.developers
    rows = developers.ecosystem_rows(index)
    homes = developers.home[rows]
    return float(np.mean(homes == model.n_incumbents + index)) if homes.size else 0.0


def close_failed_alternatives(model: RegistryModel) -> None:
    """Yearly: an alternative that holds too few of its ecosystem's developers fails."""
    for index, alternative in model.alternatives.items():
        if alternative.status == Status.SHUT_DOWN or model.time - alternative.opened_time < 52:
            continue
        share = developer_share(model, index)
        if share < model.p.alt_exit_developer_share:
            alternative.close(f"{alternative.label} failed: only {share:.2%} of its ecosystem's developers stayed")
            model.sponsor_pool.end(index)


def send_developers_home(model: RegistryModel) -> None:
    """Developers of an alternative that shut down (for lack of developers or of money) return to its incumbent."""
    developers = model.developers
    for index, alternative in model.alternatives.items():
        if alternative.status == Status.SHUT_DOWN and index not in model.alternatives_emptied:
            alt_index = model.n_incumbents + index
            home = developers.home.copy()  # a new array: views of the old one may be cached
            home[home == alt_index] = index
            developers.home = home
            model.alternatives_emptied.add(index)
            model.sponsor_pool.end(index)


def share_on_alternatives(model: RegistryModel) -> float:
    """Share of all developers who publish on an alternative registry."""
    home = model.developers.home
    return np.count_nonzero(home >= model.n_incumbents) / home.size if home.size else float("nan")  # the mean, exactly
