"""Heavy consumers meet charges: they cache, buy a tier or a mirror, bear limits or move; their traffic and money follow."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agents.registry import REVENUE_SOURCES
from model import RegistryModel
from model.consumers import CODE, Response, choose_response, response_costs
from model.parameters import make_parameters

SMALL = {"n_developers": 50, "n_corporations": 2000}
PRICED = ("paid_tier", "usage", "mirror", "consortium")


def cache_share(usage_price: float, draws: int = 4000) -> float:
    """Share of evenly spread uniforms for which a heavy firm now using a charging registry chooses to cache."""
    p = make_parameters({"usage_charge_usd_per_million_downloads": usage_price})
    costs = response_costs(p, million_downloads=2000.0, throttled_share=0.0, offers={}, charging=True)
    chosen = [choose_response(p, costs, Response.USE, 1e9, (i + 0.5) / draws) for i in range(draws)]
    return chosen.count(Response.CACHE) / draws


def test_a_consumer_facing_a_higher_price_caches_more():
    """The share of heavy firms that cache rises with the usage charge (and is 0 with no charge)."""
    shares = [cache_share(price) for price in (0.0, 10.0, 30.0, 100.0)]
    assert shares[0] == 0.0
    assert all(low < high for low, high in itertools.pairwise(shares)), shares


def test_a_firm_with_no_bill_keeps_using_the_registry():
    """No charge and no throttling: no reason to respond, whatever tier or mirror is on offer."""
    p = make_parameters({"enterprise_tier_usd_per_year": 1.0, "mirror_service_usd_per_year": 1.0})
    offers = {Response.TIER: True, Response.MIRROR: True}
    costs = response_costs(p, 5000.0, 0.0, offers, charging=True)
    assert {choose_response(p, costs, Response.USE, 1e9, u) for u in np.linspace(0.001, 0.999, 50)} == {Response.USE}


def test_a_response_beyond_the_firm_s_budget_is_out_of_reach():
    """A firm whose yearly budget is below the tier's price never buys it while something cheaper is in reach."""
    p = make_parameters({"enterprise_tier_usd_per_year": 500_000, "usage_charge_usd_per_million_downloads": 50.0})
    costs = response_costs(p, 3000.0, 0.0, {Response.TIER: True}, charging=True)
    chosen = {choose_response(p, costs, Response.USE, 200_000, u) for u in np.linspace(0.001, 0.999, 200)}
    assert Response.TIER not in chosen


def heavy_model(**overrides) -> RegistryModel:
    """A model with the full corporate sample (so the heavy tail is there) and few developers."""
    return RegistryModel(rng=4, **SMALL, **overrides)


def test_a_cached_firm_s_traffic_no_longer_reaches_the_registry():
    """Caching at a registry cuts its served downloads by the firm's share of them times the waste share."""
    model = heavy_model()
    index = model.registry_names.index("pypi")
    pypi = model.registries_by_name["pypi"]
    heavy = int(np.argmax(model.consumers.corporate_share[:, index]))
    before = pypi.downloads_served
    model.consumers.response[heavy, index] = CODE[Response.CACHE]
    model._traffic_factors = dict(zip(model.catalogue.names, model.consumers.traffic_factor(model)))
    share = model.p.corporate_download_share * model.consumers.corporate_share[heavy, index]
    assert pypi.downloads_served / before == pytest.approx(1 - share * model.p.waste_share)


def test_a_usage_charge_makes_heavy_firms_cache_and_the_registry_serve_less():
    """Over two years a usage charge leads some heavy firms to cache; the charging registry's share of traffic reaching it falls."""
    charged = heavy_model(usage_charge_usd_per_million_downloads=40.0, fee_registries=["pypi"])
    free = heavy_model(fee_registries=["pypi"])
    charged.run_for(104)
    free.run_for(104)
    index = charged.registry_names.index("pypi")
    used = charged.consumers.corporate_share[:, index] > 0
    assert (charged.consumers.response[used, index] == CODE[Response.CACHE]).any()
    assert (free.consumers.response[used, index] == CODE[Response.USE]).all()
    pypi, npm = charged.registries_by_name["pypi"], charged.registries_by_name["npm"]
    assert charged.traffic_factor(pypi) < 1.0 and free.traffic_factor(free.registries_by_name["pypi"]) == 1.0
    assert charged.traffic_factor(npm) == 1.0  # npm charges nothing here


def test_what_firms_and_the_consortium_pay_is_what_registries_receive():
    """Priced corporate money is conserved: paid = received (settled revenue plus what is still incoming)."""
    model = heavy_model(
        usage_charge_usd_per_million_downloads=20.0,
        enterprise_tier_usd_per_year=40_000,
        mirror_service_usd_per_year=30_000,
        rate_limit_heavy_share_by_registry={"maven": 0.3},
        consortium_usd_per_million_downloads=0.5,
    )
    received = dict.fromkeys(REVENUE_SOURCES, 0.0)
    for _ in range(104):
        model.step()
        for registry in model.registry_list:
            for source in PRICED:
                received[source] += registry.revenue[source]
    for registry in model.registry_list:
        for source in PRICED:
            received[source] += registry.incoming.get(source, 0.0)
    paid = model.consumers.paid_usd
    assert paid.get("usage", 0) > 0 and paid.get("consortium", 0) > 0
    voluntary_tier = received["paid_tier"] - paid.get("paid_tier", 0.0)
    assert voluntary_tier >= -1e-6  # the rest of the tier money is bought as support, scaled like donations
    for source in ("usage", "mirror", "consortium"):
        assert received[source] == pytest.approx(paid.get(source, 0.0), rel=1e-9, abs=1e-6)


def test_the_consortium_pays_no_more_than_its_budget():
    """The consortium's yearly payments stop at its budget: no bottomless purse."""
    model = heavy_model(consortium_usd_per_million_downloads=50.0, consortium_budget_usd_per_year=2_000_000)
    yearly = []
    for _ in range(2):
        total = 0.0
        for _ in range(52):
            model.step()
            total += sum(r.revenue["consortium"] for r in model.registry_list)
        yearly.append(total)
    assert all(year <= 2_000_000 + 1e-6 for year in yearly) and yearly[0] > 0


def test_enterprise_tier_revenue_is_bounded_by_what_the_heavy_firms_could_pay():
    """A year of tier money at a registry is at most the price times the real heavy firms its users stand for."""
    model = heavy_model(
        enterprise_tier_usd_per_year=50_000, usage_charge_usd_per_million_downloads=100.0, paid_tier_base_utility=5.0
    )
    model.run_for(104)
    price, per_row = model.p.enterprise_tier_usd_per_year, model.firms_per_corporation
    bought_priced = False
    for index, registry in enumerate(model.registry_list):
        users = int((model.consumers.corporate_share[:, index] > 0).sum())
        bound = price * users * max(per_row, model.support_scale[registry.name])
        tier_rows = model.consumers.response[:, index] == CODE[Response.TIER]
        bought_priced |= bool(tier_rows.any())
        assert model_year_revenue(model, registry.name, "paid_tier") <= bound + 1e-6
    assert bought_priced


def model_year_revenue(model: RegistryModel, name: str, source: str) -> float:
    """A registry's revenue from one source over the last 52 weeks, from the data collector."""
    frame = model.datacollector.get_agenttype_vars_dataframe(type(model.registries_by_name[name]))
    rows = frame.reset_index()
    rows = rows[(rows["registry"] == name) & (rows["time"] > model.time - 52)]
    return float(rows[f"revenue_{source}_usd"].sum())


def test_no_heavy_firm_pays_more_than_its_budget_and_unpaid_traffic_is_not_served():
    """With a charge no budget can bear, firms pay at most their budget and the registry serves less."""
    model = heavy_model(
        usage_charge_usd_per_million_downloads=1e6, fee_registries=["pypi"], cache_cost_usd_per_year=1e9
    )
    model.run_for(53)
    index = model.registry_names.index("pypi")
    used = model.consumers.corporate_share[:, index] > 0
    firms = [model.corporation_agents[row] for row in model.consumers.rows[used]]
    budgets = sum(f.developers * model.p.it_budget_usd_per_developer / len(f.dependencies) for f in firms)
    assert model.consumers.paid_usd["usage"] <= budgets * model.firms_per_corporation * (1 + 1e-9)
    assert (model.consumers.paid_share[used, index] < 1).any()  # those whose charge exceeds their budget pay part
    assert model.traffic_factor(model.registries_by_name["pypi"]) < 1.0
