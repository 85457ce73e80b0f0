"""Heavy consumers' responses to charges and limits, and the hyperscaler consortium (docs/model.md, section 7.18).

A heavy firm (the top `heavy_consumer_share` of the Pareto tail of corporate traffic) decides, at
its budget week and for each registry it uses, how to meet what that registry charges it: keep
using it and pay the usage charge or bear the throttling (`use`), cache its redundant downloads at
a cost (`cache`), buy the enterprise tier (`tier`), subscribe to the registry's paid mirror
(`mirror`) or take its traffic to an open alternative (`move`). Its choice cuts the downloads the
registry serves (`traffic_factor`) and the money it pays goes to the registry as revenue. A row
stands for `firms_per_corporation` real firms: prices are per real firm and payments are the
price times the firms the row stands for (priced money, unlike voluntary support, which is
calibrated by `support_scale`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from agents.corporation import SupportMode
from agents.registry import Status

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel
    from model.parameters import ModelParameters

WEEKS_PER_YEAR = 52


class Response(StrEnum):
    """How a heavy firm meets one registry's charges and limits."""

    USE = "use"  # keep pulling from the registry: pay usage charges, bear throttling
    CACHE = "cache"  # cache the redundant share of its downloads, at a cost
    TIER = "tier"  # buy the enterprise tier (no usage charge, no throttling)
    MIRROR = "mirror"  # subscribe to the registry's paid mirror (most traffic off origin, no charge or throttling)
    MOVE = "move"  # take its traffic to an open alternative


RESPONSES: tuple[Response, ...] = tuple(Response)
CODE = {response: code for code, response in enumerate(RESPONSES)}
REVENUE_OF = {Response.USE: "usage", Response.CACHE: "usage", Response.TIER: "paid_tier", Response.MIRROR: "mirror"}


def origin_cut(p: ModelParameters, response: Response, throttled_share: float) -> float:
    """Share of a firm's downloads that no longer reach the registry under a response."""
    return {
        Response.USE: throttled_share,
        Response.CACHE: p.waste_share,
        Response.TIER: 0.0,
        Response.MIRROR: p.mirror_origin_cut,
        Response.MOVE: 1.0,
    }[response]


def usage_charge_usd(p: ModelParameters, charging: bool, million_downloads: float) -> float:
    """Yearly usage charge of one real firm for its downloads at one registry."""
    if not charging:
        return 0.0
    return p.usage_charge_usd_per_million_downloads * max(
        0.0, million_downloads - p.usage_free_million_downloads_per_year
    )


def response_costs(
    p: ModelParameters, million_downloads: float, throttled_share: float, offers: dict[Response, bool], charging: bool
) -> dict[Response, float]:
    """Yearly cost to one real firm of each response open to it (USD): what it pays plus what it bears."""
    served = million_downloads * (1 - throttled_share)
    costs = {
        Response.USE: usage_charge_usd(p, charging, served)
        + p.throttle_cost_usd_per_million_downloads * throttled_share * million_downloads,
        Response.CACHE: p.cache_cost_usd_per_year
        + usage_charge_usd(p, charging, (1 - p.waste_share) * million_downloads),
    }
    if offers.get(Response.TIER):
        costs[Response.TIER] = p.enterprise_tier_usd_per_year
    if offers.get(Response.MIRROR):
        costs[Response.MIRROR] = p.mirror_service_usd_per_year
    if offers.get(Response.MOVE):
        costs[Response.MOVE] = p.move_cost_usd_per_year
    return costs


def choose_response(
    p: ModelParameters, costs: dict[Response, float], current: Response, budget_usd: float, uniform: float
) -> Response:
    """Logit over responses with utility -cost / response_cost_scale (+ inertia for the current one).

    A firm that pays and bears nothing for using the registry keeps doing what it did (it has no
    bill or 429 to answer); a response costing more than the firm's yearly tooling budget is out
    of reach unless nothing else is in reach.
    """
    if costs[Response.USE] <= 0 and current in (Response.USE, Response.TIER, Response.MIRROR, Response.MOVE):
        return Response.USE
    if current not in costs:
        current = Response.USE
    affordable = {response: cost for response, cost in costs.items() if cost <= budget_usd}
    if not affordable:  # nothing in reach: the cheapest, paid in part (the rest of its traffic goes unserved)
        return min(costs, key=costs.__getitem__)
    utilities = {
        response: -cost / p.response_cost_scale_usd_per_year
        + (p.response_inertia_utility if response == current else 0.0)
        for response, cost in affordable.items()
    }
    top = max(utilities.values())
    weights = {response: math.exp(u - top) for response, u in utilities.items()}
    threshold, cumulative = uniform * sum(weights.values()), 0.0
    for response, weight in weights.items():
        cumulative += weight
        if threshold < cumulative:
            return response
    return current


@dataclass
class HeavyConsumers:
    """The heavy firms' responses, one per (heavy firm, incumbent), and the consortium's state."""

    rows: np.ndarray  # firm rows of the heavy firms
    corporate_share: np.ndarray  # (heavy firm, incumbent): share of the incumbent's corporate downloads its row makes
    response: np.ndarray  # (heavy firm, incumbent): response code
    paid_share: (
        np.ndarray
    )  # (heavy firm, incumbent): share of its bill the firm can pay; the rest of its traffic goes unserved
    consortium_caches: np.ndarray  # (incumbent,): whether the consortium's members cache their redundant traffic there
    consortium_paid_this_year_usd: float = 0.0
    paid_usd: dict[str, float] = field(default_factory=dict)  # what firms and the consortium paid, by revenue source

    @classmethod
    def of(cls, model: RegistryModel) -> HeavyConsumers:
        """The heavy firms of the model's population, all starting with `use`."""
        population = model.corporations
        volume = population.dependency_shares * population.usage_share[:, None]
        shares = volume / np.maximum(volume.sum(axis=0), 1e-12)
        rows = np.flatnonzero(population.heavy)
        return cls(
            rows=rows,
            corporate_share=shares[rows],
            response=np.full((len(rows), model.n_incumbents), CODE[Response.USE], dtype=np.int8),
            paid_share=np.ones((len(rows), model.n_incumbents)),
            consortium_caches=np.zeros(model.n_incumbents, dtype=bool),
        )

    # ----- traffic ----------------------------------------------------------------------------
    def traffic_factor(self, model: RegistryModel) -> np.ndarray:
        """Per incumbent: the share of its downloads that still reach it after heavy firms' and the consortium's responses."""
        p = model.p
        calm = not p.rate_limit_heavy_share_by_registry and not self.consortium_caches.any()
        if calm and (self.response == CODE[Response.USE]).all() and (self.paid_share >= 1).all():
            return np.ones(model.n_incumbents)  # nobody responds: every download reaches its registry
        cuts = np.zeros_like(self.corporate_share)
        for code, response in enumerate(RESPONSES):
            chosen = self.response == code
            if not chosen.any():
                continue
            if response == Response.USE:
                throttled = np.array([model.throttled_share(name) for name in model.catalogue.names])
                cuts = np.where(chosen, throttled[None, :], cuts)
            else:
                cuts = np.where(chosen, origin_cut(p, response, 0.0), cuts)
        cuts = 1 - (1 - cuts) * self.paid_share  # what a firm cannot pay for is not served
        heavy_cut = p.corporate_download_share * (self.corporate_share * cuts).sum(axis=0)
        consortium_cut = (
            self.consortium_caches * p.hyperscaler_traffic_share * p.consortium_member_share * p.waste_share
        )
        return (1 - heavy_cut) * (1 - consortium_cut)

    def million_downloads_per_real_firm(self, model: RegistryModel, heavy: int, index: int) -> float:
        """Yearly downloads (millions) one real firm of a heavy row makes at an incumbent, before its response."""
        registry = model.registry_list[index]
        demand = registry.downloads_per_week * (1 - registry.demand_ceded) * WEEKS_PER_YEAR
        share = model.p.corporate_download_share * self.corporate_share[heavy, index]
        return demand * share / model.firms_per_corporation / 1e6

    # ----- the heavy firm's yearly decision ---------------------------------------------------
    def decide(self, model: RegistryModel, row: int) -> None:
        """At a heavy firm's budget week: choose a response at each registry it uses, and pay for the year."""
        heavy = int(np.searchsorted(self.rows, row))
        if heavy >= len(self.rows) or self.rows[heavy] != row:
            return
        firm = model.corporation_agents[row]
        p, uniforms = model.p, model.consumer_uniforms()[heavy]
        budget = firm.developers * p.it_budget_usd_per_developer / len(firm.dependencies)  # per registry it uses
        for index, registry in enumerate(model.registry_list[: model.n_incumbents]):
            if self.corporate_share[heavy, index] <= 0 or registry.status == Status.SHUT_DOWN:
                continue
            name = registry.name
            if firm.mode == SupportMode.PAID and model.sells_enterprise_tier(name):
                self.response[heavy, index] = CODE[Response.TIER]  # holds the tier already, paid as support
                continue
            charging = name in p.fee_registries
            offers = {
                Response.TIER: model.sells_enterprise_tier(name),
                Response.MIRROR: charging and p.mirror_service_usd_per_year > 0,
                Response.MOVE: model.alternative_open_for(index),
            }
            downloads = self.million_downloads_per_real_firm(model, heavy, index)
            throttled = model.throttled_share(name)
            costs = response_costs(p, downloads, throttled, offers, charging)
            current = RESPONSES[self.response[heavy, index]]
            chosen = choose_response(p, costs, current, budget, float(uniforms[index]))
            self.response[heavy, index] = CODE[chosen]
            self.paid_share[heavy, index] = min(1.0, budget / costs[chosen]) if costs[chosen] > 0 else 1.0
            self._pay(model, registry, chosen, downloads, throttled, charging, row, self.paid_share[heavy, index])

    def _pay(
        self,
        model: RegistryModel,
        registry: RegistryAgent,
        chosen: Response,
        downloads: float,
        throttled: float,
        charging: bool,
        row: int,
        paid_share: float = 1.0,
    ) -> None:
        """Pay the registry a year of the chosen response (at most the firm's budget), for every real firm the row stands for."""
        p = model.p
        per_firm = {
            Response.USE: usage_charge_usd(p, charging, downloads * (1 - throttled)),
            Response.CACHE: usage_charge_usd(p, charging, (1 - p.waste_share) * downloads),
            Response.TIER: p.enterprise_tier_usd_per_year,
            Response.MIRROR: p.mirror_service_usd_per_year,
            Response.MOVE: 0.0,
        }[chosen]
        amount = per_firm * paid_share * model.firms_per_corporation
        if amount > 0:
            source = REVENUE_OF[chosen]
            self.paid_usd[source] = self.paid_usd.get(source, 0.0) + amount
            registry.receive(source, amount, payer=f"corporation:{model.corporation_agents[row].unique_id}")

    # ----- the consortium ---------------------------------------------------------------------
    def review_consortium(self, model: RegistryModel) -> None:
        """Yearly: members cache a registry's redundant traffic where the charge on it exceeds the cache's cost."""
        p = model.p
        self.consortium_paid_this_year_usd = 0.0
        for index, registry in enumerate(model.registry_list[: model.n_incumbents]):
            yearly = self._member_million_downloads(model, registry, index, cached=False) * WEEKS_PER_YEAR
            saving = p.consortium_usd_per_million_downloads * p.waste_share * yearly
            self.consortium_caches[index] = saving > p.hyperscaler_cache_cost_usd_per_year

    def _member_million_downloads(
        self, model: RegistryModel, registry: RegistryAgent, index: int, cached: bool = True
    ) -> float:
        """Downloads (millions) the consortium's members make at an incumbent this week."""
        p = model.p
        served = registry.downloads_served
        if not cached and self.consortium_caches[index]:
            served /= max(1 - p.hyperscaler_traffic_share * p.consortium_member_share * p.waste_share, 1e-12)
        return served * p.hyperscaler_traffic_share * p.consortium_member_share / 1e6

    def pay_consortium(self, model: RegistryModel) -> None:
        """Weekly: the consortium pays each open incumbent for its members' downloads, up to its yearly budget."""
        p = model.p
        if p.consortium_usd_per_million_downloads <= 0:
            return
        for index, registry in enumerate(model.registry_list[: model.n_incumbents]):
            if registry.status == Status.SHUT_DOWN:
                continue
            due = p.consortium_usd_per_million_downloads * self._member_million_downloads(model, registry, index)
            amount = min(due, max(0.0, p.consortium_budget_usd_per_year - self.consortium_paid_this_year_usd))
            if amount > 0:
                self.consortium_paid_this_year_usd += amount
                self.paid_usd["consortium"] = self.paid_usd.get("consortium", 0.0) + amount
                registry.receive("consortium", amount, payer="consortium")

    # ----- reporting --------------------------------------------------------------------------
    def response_share(self, response: Response) -> float:
        """Share of heavy firms' used registries at which they have this response."""
        used = self.__dict__.get("_used")
        if used is None or used[0] is not self.corporate_share:  # the used cells, kept while the array is the same
            used = self.__dict__["_used"] = (self.corporate_share, np.flatnonzero(self.corporate_share > 0))
        cells = used[1]
        if not cells.size:
            return 0.0
        return np.count_nonzero(self.response.ravel()[cells] == CODE[response]) / cells.size  # the mean, exactly
