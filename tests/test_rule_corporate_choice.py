"""The corporate support choice, in isolation: a multinomial logit, and a stationary mix that is a fixed point."""

from __future__ import annotations

import math

import pytest

from agents.corporation import SupportMode
from model import RegistryModel
from model.model import support_shares_given
from model.parameters import make_parameters


def a_heavy_firm(**overrides):
    """A heavy firm that uses a registry selling an enterprise tier (so all four modes are open)."""
    model = RegistryModel(rng=3, n_developers=50, n_corporations=400, enterprise_tier_usd_per_year=20_000, **overrides)
    firm = next(c for c in model.corporation_agents if c.heavy and c.paid_tier_registries())
    return model, firm


def test_choice_frequencies_are_the_softmax_of_the_utilities():
    """Over evenly spread uniforms, each mode is chosen with probability exp(u_m) / sum exp(u)."""
    _model, firm = a_heavy_firm(opex_budget_share=0.3)
    utilities = firm.support_utilities()
    assert set(utilities) == set(SupportMode)
    top = max(utilities.values())
    softmax = {mode: math.exp(u - top) for mode, u in utilities.items()}
    total = sum(softmax.values())
    draws = 20_000
    chosen = [firm.choose_mode((i + 0.5) / draws) for i in range(draws)]
    for mode, weight in softmax.items():
        assert chosen.count(mode) / draws == pytest.approx(weight / total, abs=1.5 / draws)


def test_the_utility_terms_move_the_modes_they_should():
    """Memory and regulation add to support; a downturn costs donations only; price lowers the paid tier."""
    model, firm = a_heavy_firm(opex_budget_share=0.3)
    base = firm.support_utilities()
    assert base[SupportMode.NONE] == 0.0
    firm.remember_incident(2.0)
    remembered = firm.support_utilities()
    for mode in (SupportMode.DONATION, SupportMode.OPEX):
        assert remembered[mode] - base[mode] == pytest.approx(model.p.memory_weight * 2.0)
    assert remembered[SupportMode.PAID] == base[SupportMode.PAID]
    model.downturn = True
    in_downturn = firm.support_utilities()
    assert remembered[SupportMode.DONATION] - in_downturn[SupportMode.DONATION] == pytest.approx(
        model.p.downturn_donation_penalty
    )
    assert in_downturn[SupportMode.OPEX] == remembered[SupportMode.OPEX]
    model.set_parameters(regulation_mandates_support=True, enterprise_tier_usd_per_year=40_000)
    regulated = firm.support_utilities()
    assert regulated[SupportMode.OPEX] - in_downturn[SupportMode.OPEX] == pytest.approx(model.p.regulation_weight)
    price_ratio_change = 20_000 / (firm.developers * model.p.it_budget_usd_per_developer)
    assert regulated[SupportMode.PAID] - in_downturn[SupportMode.PAID] == pytest.approx(
        model.p.regulation_weight - model.p.cost_weight * price_ratio_change
    )


def test_a_share_of_zero_or_one_closes_a_mode():
    """All support as opex leaves no donation; none as opex leaves no opex contract."""
    _model, all_opex = a_heavy_firm(opex_budget_share=1.0)
    assert SupportMode.DONATION not in all_opex.support_utilities()
    _model, no_opex = a_heavy_firm(opex_budget_share=0.0)
    assert SupportMode.OPEX not in no_opex.support_utilities()


@pytest.mark.parametrize("overrides", [{}, {"opex_budget_share": 0.9}, {"regulation_mandates_support": True}])
def test_the_stationary_shares_are_a_fixed_point(overrides):
    """The starting mix is the point the peer-norm map sends to itself."""
    p = make_parameters(overrides)
    share_donation, share_opex = RegistryModel.stationary_support_shares(p)
    again = support_shares_given(p, share_donation + share_opex)
    assert again == pytest.approx((share_donation, share_opex), abs=1e-12)
    assert 0 < share_donation + share_opex < 1
