"""Parameters: tagged once, immutable, and changed in a running model only through one validated function."""

from __future__ import annotations

from pathlib import Path

import pytest

from model import ParameterError, RegistryModel
from model.cli import main
from model.parameters import KINDS, LIVE_PARAMETERS, ModelParameters, controls, field_tags
from viz.levers import LEVERS
from viz.workshop.roles import parameter_field

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_parameter_is_tagged_and_documented():
    """Each parameter has a kind, a live flag and a description, and a row in docs/calibration.md."""
    calibration = (DOCS / "calibration.md").read_text()
    for name, spec in ModelParameters.model_fields.items():
        tags = field_tags(name)
        assert tags["kind"] in KINDS and isinstance(tags["live"], bool) and spec.description
        assert f"`{name}`" in calibration, f"{name} is not listed in docs/calibration.md"


def test_params_command_lists_every_parameter_with_its_kind(capsys):
    """`borrowed-time params` shows each parameter with its kind and whether it may change mid-run."""
    assert main(["params"]) == 0
    listed = capsys.readouterr().out
    lines = {line.split(" = ", 1)[0]: line for line in listed.splitlines() if " = " in line}
    for name in ModelParameters.model_fields:
        assert f"({field_tags(name)['kind']}" in lines[name]
        assert ("may change mid-run" in lines[name]) == (name in LIVE_PARAMETERS)
    assert "dependency_probability = 0.85" in listed  # the catalogue's assumptions too


def test_explorer_levers_are_the_parameters_tagged_with_a_control():
    """The explorer offers exactly the parameters that carry a control tag (plus the run's seed)."""
    assert set(LEVERS) - {"seed"} == set(controls())


def test_parameters_and_their_containers_are_immutable():
    """Assignment, list edits and mapping edits are all refused; nothing changes."""
    model = RegistryModel(rng=0, per_package_fee_usd_by_registry={"pypi": 2.0})
    with pytest.raises(ParameterError, match="set_parameters"):
        model.p.read_only_runway_months = 10
    with pytest.raises(AttributeError):
        model.p.fee_registries.append("pypi")  # a tuple
    with pytest.raises(TypeError):
        model.p.per_package_fee_usd_by_registry["pypi"] = -1.0
    assert model.p.read_only_runway_months == 1.0 and model.p.per_package_fee_usd_by_registry == {"pypi": 2.0}


def test_set_parameters_validates_the_whole_set_and_changes_nothing_on_refusal():
    """Cross-field rules, bounds inside tables, unknown names and fixed parameters are refused."""
    model = RegistryModel(rng=0)
    before = model.p
    refused = {
        "read_only_runway_months": (10.0, "read_only_runway_months"),  # breaks read-only < degraded < strained
        "per_package_fee_usd_by_registry": ({"pypi": -1.0}, "per_package_fee_usd_by_registry"),
        "fee_registries": (("pypi", "cpan"), "unknown registry 'cpan'"),
        "no_such_parameter": (1, "unknown parameter"),
        "n_developers": (20, "cannot change in a running model"),
        "incident_memory_half_life_years": (3.0, "cannot change in a running model"),
    }
    for name, (value, message) in refused.items():
        with pytest.raises(ParameterError, match=message):
            model.set_parameters(**{name: value})
        assert model.p is before
    model.set_parameters(read_only_runway_months=2.0, degraded_runway_months=4.0, strained_runway_months=8.0)
    assert (model.p.read_only_runway_months, model.p.strained_runway_months) == (2.0, 8.0)


def test_set_parameters_takes_effect_from_the_coming_week():
    """A fee switched on mid-run is charged from the next week on, not before."""
    model = RegistryModel(rng=2)
    model.run_for(3)
    assert model.registries_by_name["npm"].revenue["fees"] == 0
    model.set_parameters(per_package_fee_usd=10.0)
    model.step()
    assert model.registries_by_name["npm"].revenue["fees"] > 0


def test_set_parameters_passes_new_values_to_agents_that_copied_them():
    """Funders copy their budgets, shares and terms when built; a change reaches them."""
    model = RegistryModel(rng=0, n_umbrella_funders=2)
    model.set_parameters(
        umbrella_budget_usd_per_year=8e6,
        umbrella_registry_share=0.3,
        umbrella_commitment_years=3,
        umbrella_allocation_weights_by_registry={"pypi": 2.0},
        public_funder_budget_usd_per_year=1e6,
        public_grant_years=1,
    )
    for funder in model.umbrella_funders:
        assert funder.full_budget_usd_per_year == 4e6 and funder.registry_share == 0.3
        assert funder.commitment_years == 3 and funder.allocation_weights == {"pypi": 2.0}
    assert (model.public_funder.budget_usd_per_year, model.public_funder.grant_years) == (1e6, 1)
    model.set_parameters(umbrella_allocation_weights_by_registry={})
    assert all(funder.allocation_weights is None for funder in model.umbrella_funders)


def test_a_workshop_decision_can_set_only_a_live_parameter_within_its_range():
    """Decision fields that name a parameter must be changeable mid-run and stay inside its range."""
    assert "n_developers" not in LIVE_PARAMETERS
    with pytest.raises(ValueError, match="cannot change in a running model"):
        parameter_field("n_developers", "Sampled developers.", ge=10, le=100)
    with pytest.raises(ValueError, match="outside"):
        parameter_field("opex_budget_share", "Share.", ge=0, le=2)
