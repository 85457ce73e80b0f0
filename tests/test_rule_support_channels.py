"""The four levers of a support channel (donation or opex): share, cost indexation, term and downturn immunity."""

from __future__ import annotations

import pytest

from agents.corporation import SupportMode
from model import RegistryModel
from model.reference import FirmByFirm

SMALL = {"n_developers": 50, "n_corporations": 300}


def a_firm(**overrides):
    """A small model and one of its firms that uses a single registry (so its payment goes to one place)."""
    model = RegistryModel(rng=5, **SMALL, **overrides)
    firm = next(
        c
        for c in model.corporation_agents
        if len(c.dependencies) == 1 and model.support_scale[next(iter(c.dependencies))] > 0
    )
    return model, firm


def paid(model, firm, mode: SupportMode) -> float:
    """What one payment of the firm in a mode brings its registry (the registry's incoming money, USD)."""
    registry = model.registries_by_name[next(iter(firm.dependencies))]
    registry.incoming.clear()
    firm.pay(mode, firm.support_usd_per_year())
    return registry.incoming[mode.value]


@pytest.mark.parametrize("mode", [SupportMode.DONATION, SupportMode.OPEX])
def test_a_cost_indexed_payment_tracks_costs_and_a_fixed_one_does_not(mode):
    """Doubling the registry's cost index doubles an indexed payment and leaves a fixed one unchanged, for either channel."""
    for indexed in (True, False):
        model, firm = a_firm(**{f"{mode.value}_cost_indexed": indexed})
        registry = model.registries_by_name[next(iter(firm.dependencies))]
        registry.cost_index = 1.0
        at_start = paid(model, firm, mode)
        registry.cost_index = 2.0
        assert paid(model, firm, mode) == pytest.approx(at_start * (2.0 if indexed else 1.0))


@pytest.mark.parametrize("mode", [SupportMode.DONATION, SupportMode.OPEX])
def test_a_downturn_immune_payment_holds_and_another_falls_by_the_cut(mode):
    """In a downturn year an immune payment is unchanged; one that is not falls by `downturn_payment_cut`."""
    for immune in (True, False):
        model, firm = a_firm(**{f"{mode.value}_downturn_immune": immune}, downturn_payment_cut=0.3)
        model.downturn = False
        calm = paid(model, firm, mode)
        model.downturn = True
        assert paid(model, firm, mode) == pytest.approx(calm * (1.0 if immune else 0.7))
        utilities = firm.support_utilities()
        model.downturn = False
        penalty = firm.support_utilities()[mode] - utilities[mode]
        assert penalty == pytest.approx(0.0 if immune else model.p.downturn_donation_penalty)


def redecision_rate(years: int, **overrides) -> float:
    """Share of donors' budget weeks at which the donor re-decides by logit (renewal off), firm by firm."""
    model = FirmByFirm(rng=2, **SMALL, opex_budget_share=0.0, donation_renewal_prob=0.0, **overrides)
    budget_weeks, decisions = [0], [0]
    for firm in model.corporation_agents:
        decide, choose = firm.decide_support, firm.choose_mode

        def counting_decide(firm=firm, decide=decide):
            donor = firm.mode == SupportMode.DONATION
            budget_weeks[0] += donor
            firm.donor_deciding = donor
            decide()

        def counting_choose(uniform, firm=firm, choose=choose):
            decisions[0] += firm.donor_deciding
            return choose(uniform)

        firm.decide_support, firm.choose_mode = counting_decide, counting_choose
    model.run_for(years * 52)
    return decisions[0] / budget_weeks[0]


def test_the_term_sets_how_often_a_donor_re_decides():
    """Yearly pledges are re-decided at every budget week; three-year pledges at about one in three."""
    assert redecision_rate(6, donation_contract_years=1) == pytest.approx(1.0)
    assert redecision_rate(6, donation_contract_years=3) == pytest.approx(1 / 3, abs=0.08)


def test_a_running_pledge_is_kept_until_its_term_ends():
    """A donor whose pledge has not ended keeps donating and pays without a new decision."""
    model, firm = a_firm(donation_contract_years=3)
    firm.set_mode(SupportMode.DONATION, new_term=True)
    end = firm.contract_end_time
    assert end == model.time + 3 * 52
    firm.choose_mode = lambda uniform: pytest.fail("a firm in its term re-decided")
    firm.decide_support()
    assert firm.mode == SupportMode.DONATION and firm.contract_end_time == end


@pytest.mark.parametrize("mode", [SupportMode.DONATION, SupportMode.OPEX])
def test_a_channel_utility_moves_only_its_channel(mode):
    """The 'share of firms that support' lever of one channel raises that channel's utility and no other's."""
    model, firm = a_firm(opex_budget_share=0.5)
    base = firm.support_utilities()
    model.set_parameters(**{f"{mode.value}_support_utility": 1.5})
    raised = firm.support_utilities()
    for other, utility in raised.items():
        assert utility - base[other] == pytest.approx(1.5 if other == mode else 0.0)


def test_an_indexed_channel_costs_the_firm_more_when_costs_have_grown():
    """The budget decision: once costs have doubled, an indexed channel loses utility and a fixed one does not."""
    model, firm = a_firm(opex_budget_share=0.5)
    before = firm.support_utilities()
    for registry in model.registry_list:
        registry.cost_index = 2.0
    after = firm.support_utilities()
    p = model.p
    extra = p.cost_weight * p.pledge_usd_per_developer / p.it_budget_usd_per_developer
    assert before[SupportMode.OPEX] - after[SupportMode.OPEX] == pytest.approx(extra)
    assert after[SupportMode.DONATION] == pytest.approx(before[SupportMode.DONATION])
