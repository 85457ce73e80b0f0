"""The small model levers the workshop needs: per-registry fees, extra security staff, grant weights."""

from __future__ import annotations

import pytest

from model.model import RegistryModel
from model.parameters import ParameterError, make_parameters


def test_per_registry_fees_override_the_shared_levers():
    """A registry named in the per-registry fee maps charges its own fee; others keep the shared lever."""
    model = RegistryModel(
        rng=0,
        per_package_fee_usd=10.0,
        per_package_fee_usd_by_registry={"pypi": 2.0},
        publisher_subscription_usd_by_registry={"pypi": 60.0},
    )
    assert model.fees_for("pypi") == (2.0, 60.0)
    assert model.fees_for("npm") == (10.0, 0.0)
    assert RegistryModel(rng=0).fees_for("npm") == (0.0, 0.0)
    model.run_for(4)
    assert model.registries_by_name["pypi"].revenue["fees"] > 0


def test_unknown_registry_in_a_lever_map_is_refused():
    """Maps keyed by registry accept only incumbent names, with a one-line error."""
    with pytest.raises(ParameterError, match="unknown registry 'pipy'"):
        make_parameters({"extra_security_fte_by_registry": {"pipy": 1.0}})
    with pytest.raises(ParameterError, match="extra_security_fte_by_registry"):
        make_parameters({"extra_security_fte_by_registry": {"pypi": -1.0}})


def test_extra_security_staff_raise_the_target_and_are_hired_after_the_delay():
    """Extra security FTE raise the funded target at once and the staff after the hiring delay."""
    base, more = RegistryModel(rng=3), RegistryModel(rng=3, extra_security_fte_by_registry={"npm": 5.0})
    assert more.registries_by_name["npm"].security_target_fte() == pytest.approx(
        base.registries_by_name["npm"].security_target_fte() + 5.0
    )
    base.run_for(30)
    more.run_for(30)
    assert more.registries_by_name["npm"].security_fte > base.registries_by_name["npm"].security_fte + 4


def test_umbrella_allocation_weights():
    """With weights set, the umbrella funder splits its budget by them among open eligible registries."""
    model = RegistryModel(rng=0)
    funder = model.umbrella_funders[0]
    by_need = funder.allocate(1_000_000)
    funder.allocation_weights = {"pypi": 3.0, "crates": 1.0, "rubygems": 0.0}
    weighted = funder.allocate(1_000_000)
    assert weighted == pytest.approx({"pypi": 750_000, "crates": 250_000})
    assert by_need != weighted


def _starved(model: RegistryModel, name: str) -> None:
    """Take a registry's reserves and steward away, so it cannot pay its next bills."""
    registry = model.registries_by_name[name]
    registry.cash = 0.0
    registry.steward_usd_per_year = 0.0


def test_receivership_keeps_a_registry_open_and_counts_what_the_administrator_advanced():
    """With the setting on, a registry that cannot pay stays open (read-only) and owes exactly the unpaid cost."""
    shut, kept = RegistryModel(rng=5), RegistryModel(rng=5, receivership_instead_of_shutdown=True)
    for model in (shut, kept):
        _starved(model, "pypi")
        model.run_for(3)
    assert shut.registries_by_name["pypi"].status == "shut_down"
    pypi = kept.registries_by_name["pypi"]
    assert pypi.status == "read_only" and pypi.receivership_debt_usd > 0
    assert any(e["kind"] == "receivership" for e in kept.events)


def test_the_administrator_advances_exactly_what_a_registry_cannot_pay():
    """Money is conserved week by week: cash before + revenue + advance - cash costs = cash after."""
    model = RegistryModel(rng=5, receivership_instead_of_shutdown=True)
    _starved(model, "pypi")
    pypi = model.registries_by_name["pypi"]
    for _ in range(6):
        cash, debt = pypi.cash, pypi.receivership_debt_usd
        model.step()
        advance = pypi.receivership_debt_usd - debt
        assert advance >= 0
        assert cash + sum(pypi.revenue.values()) + advance - sum(pypi.cost.values()) == pytest.approx(pypi.cash)


def test_a_rescue_repays_the_advance_first_and_ends_receivership():
    """Repaying more than the debt returns the rest and logs the end of receivership; less leaves the rest owed."""
    model = RegistryModel(rng=5, receivership_instead_of_shutdown=True)
    _starved(model, "pypi")
    model.run_for(2)
    pypi = model.registries_by_name["pypi"]
    debt = pypi.receivership_debt_usd
    assert pypi.repay_receivership(debt / 2) == 0.0
    assert pypi.receivership_debt_usd == pytest.approx(debt / 2)
    assert pypi.repay_receivership(debt) == pytest.approx(debt / 2)
    assert pypi.receivership_debt_usd == 0.0
    assert any(e["kind"] == "receivership_ended" for e in model.events)


def test_board_cost_cuts_lower_other_costs_while_healthy():
    """A board's early cost cuts cut 'other' costs by the strained share, before low runway forces it."""
    model = RegistryModel(rng=1)
    npm = model.registries_by_name["npm"]
    before = npm.full_costs()["other"]
    npm.board_cost_cuts = True
    assert npm.status == "healthy"
    assert npm.full_costs()["other"] == pytest.approx(before * (1 - model.p.strained_cost_cut_share))
