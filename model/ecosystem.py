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
from model.profiles import alternative_profile

if TYPE_CHECKING:
    from model.model import RegistryModel


def alternative_package_share(incumbent: RegistryAgent, alternative: RegistryAgent) -> float:
    """The alternative's share of its ecosystem's package stock."""
    return alternative.packages / max(incumbent.packages + alternative.packages, 1.0)


def split_demand(model: RegistryModel) -> None:
    """Share each ecosystem's downloads between its incumbent and an open alternative, by packages."""
    for index, alternative in model.alternatives.items():
        if alternative.status == Status.SHUT_DOWN:
            continue
        incumbent = model.registry_list[index]
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


def switch_context(model: RegistryModel, hypothetical: dict[int, float] | None = None) -> SwitchContext:
    """The start-of-week view every developer decides on.

    `hypothetical` maps an incumbent index to the reach of a not-yet-open alternative, to ask
    how many developers would move if one existed (for entry).
    """
    p, n, n_incumbents = model.p, len(model.registry_names), model.n_incumbents
    option = np.full(n, -1)
    fee_per_package, fee_per_publisher = np.zeros(n), np.zeros(n)
    removal, reach = np.ones(n), np.ones(n)
    for index, registry in model.registries_by_index.items():
        removal[index] = max(registry.removal_median_hours, 1e-3)
        reach[index] = max(registry.downloads_served, 1.0)
        fee_per_package[index], fee_per_publisher[index] = model.fees_for(registry.name)
    for index in range(n_incumbents):
        alternative = model.alternatives.get(index)
        alt_index = n_incumbents + index
        if alternative is not None and alternative.status != Status.SHUT_DOWN:
            option[index], option[alt_index] = alt_index, index
        elif hypothetical and index in hypothetical:
            option[index] = alt_index
            removal[alt_index] = p.alt_removal_multiplier * removal[index]
            reach[alt_index] = hypothetical[index]
    counts = model.developers.on_registry(n).astype(float)
    ecosystem_size = model.developers.ecosystem_sizes(n_incumbents).astype(float)
    peer_share = counts / np.tile(np.maximum(ecosystem_size, 1.0), 2)
    multiplier = p.ai_publishing_multiplier * publishing_growth(model)
    return SwitchContext(option, fee_per_package, fee_per_publisher, removal, reach, peer_share, multiplier)


def switch_registries(model: RegistryModel) -> None:
    """Every developer weighs staying or moving to its ecosystem's other registry (synchronously)."""
    if not model.alternatives:
        return
    context = switch_context(model)
    uniforms = model.streams.weekly("developers.switching").at(model.week_index).random(len(model.developers))
    model.developers.home = model.choose_developer_homes(context, uniforms)


def open_alternatives(model: RegistryModel) -> None:
    """An alternative enters an ecosystem when enough of its developers would gain by moving."""
    p = model.p
    if not p.alternatives_enabled:
        return
    candidates = {
        index: model.registry_list[index].downloads_per_week * p.alt_entry_reach_share
        for index in range(model.n_incumbents)
        if index not in model.alternatives
    }
    if not candidates:
        return
    demand = model.entry_demand(switch_context(model, hypothetical=candidates), list(candidates))
    for index in candidates:
        if demand[index] > p.alt_entry_demand_share:
            enter(model, index, float(demand[index]))


def enter(model: RegistryModel, incumbent_index: int, demand: float) -> RegistryAgent:
    """Create the alternative to one incumbent, funded by a sponsor, with twelve months of reserves."""
    p, incumbent = model.p, model.registry_list[incumbent_index]
    profile = alternative_profile(
        incumbent.profile, p.alt_entry_reach_share, p.alt_volunteer_cover, p.alt_ops_fte, p.alt_security_fte
    )
    alternative = RegistryAgent(model, profile, "alternative")
    alternative.packages = 0.0
    alternative.removal_median_hours = model.p.alt_removal_multiplier * incumbent.removal_median_hours
    alternative.downloads_per_week = incumbent.downloads_per_week * model.p.alt_entry_reach_share
    yearly_cost = sum(alternative.full_costs().values()) * 52
    alternative.open_books(steward_usd_per_year=yearly_cost, cash_usd=yearly_cost, monthly_cash_cost=yearly_cost / 12)
    model.alternatives[incumbent_index] = alternative
    model.registries_by_index[model.n_incumbents + incumbent_index] = alternative
    model.registry_list.append(alternative)
    model.registries_by_name[alternative.name] = alternative
    model.log_event(
        "alternative_entered",
        alternative.name,
        f"{alternative.label} opened: {demand:.0%} of {incumbent.label} developers would gain by moving",
    )
    return alternative


def close_failed_alternatives(model: RegistryModel) -> None:
    """Yearly: an alternative that holds too few of its ecosystem's developers fails; they return."""
    developers = model.developers
    for index, alternative in model.alternatives.items():
        if alternative.status == Status.SHUT_DOWN or model.time - alternative.opened_time < 52:
            continue
        alt_index = model.n_incumbents + index
        members = developers.ecosystem == index
        share = float(np.mean(developers.home[members] == alt_index)) if members.any() else 0.0
        if share < model.p.alt_exit_developer_share:
            developers.home[developers.home == alt_index] = index
            alternative.close(f"{alternative.label} failed: only {share:.2%} of its ecosystem's developers stayed")


def share_on_alternatives(model: RegistryModel) -> float:
    """Share of all developers who publish on an alternative registry."""
    return float(np.mean(model.developers.home >= model.n_incumbents))
