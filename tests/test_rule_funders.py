"""Funders in isolation: the round calendar, allocation, commitments, forced and drawn misses, donors, public grants.

The clock is set by hand (`model.time`) and only the funder's own methods run.
"""

from __future__ import annotations

import pytest

from model import RegistryModel

SMALL = {"n_developers": 50, "n_corporations": 40}


def funder_at(model, week: int):
    """Set the clock to tick `week` (week of year = (week - 1) % 52) and return the first umbrella funder."""
    model.time = float(week)
    return model.umbrella_funders[0]


def test_rounds_are_evenly_spaced_and_several_funders_are_staggered():
    """Four rounds a year at weeks 0, 13, 26, 39; a second funder's start is shifted by 52 / (2 x 4) weeks."""
    one = RegistryModel(rng=0, **SMALL)
    assert one.umbrella_funders[0].round_weeks == {0, 13, 26, 39}
    two = RegistryModel(rng=0, n_umbrella_funders=2, **SMALL)
    assert [f.round_weeks for f in two.umbrella_funders] == [{0, 13, 26, 39}, {6, 19, 32, 45}]
    assert two.umbrella_funders[0].full_budget_usd_per_year == pytest.approx(2.5e6)
    p = one.p
    assert one.umbrella_funders[0].miss_prob_per_round == pytest.approx(
        1 - (1 - p.umbrella_miss_prob_per_year) ** (1 / p.umbrella_rounds_per_year)
    )


def test_a_round_is_held_only_in_a_round_week():
    """Outside round weeks nothing is drawn or changed; in a round week the grants are reallocated."""
    model = RegistryModel(rng=0, umbrella_miss_prob_per_year=0.0, **SMALL)
    funder = funder_at(model, 5)  # week of year 4
    drawn, generator = [], model.streams.generator
    model.streams.generator = lambda *key: drawn.append(key) or generator(*key)  # record every draw
    funder.grants = {"pypi": 1.0}
    funder.hold_round()
    assert funder.grants == {"pypi": 1.0} and drawn == []
    funder = funder_at(model, 14)  # week of year 13
    funder.hold_round()
    assert funder.grants == funder.allocate(funder.budget_usd_per_year * funder.registry_share)
    assert drawn == [("umbrella.rounds", 0, 13)]  # the round's miss draw, keyed by funder and week


def test_allocation_by_need_splits_the_budget_half_equally_half_by_workload():
    """Among open eligible registries: (1 - h) / n each plus h by workload share; weights replace it when set."""
    model = RegistryModel(rng=0, **SMALL)
    funder = model.umbrella_funders[0]
    eligible = [model.registries_by_name[name] for name in ("pypi", "crates", "rubygems")]
    total = sum(r.workload for r in eligible)
    grants = funder.allocate(900.0)
    assert set(grants) == {"pypi", "crates", "rubygems"} and sum(grants.values()) == pytest.approx(900.0)
    for registry in eligible:
        assert grants[registry.name] == pytest.approx(900.0 * (0.5 / 3 + 0.5 * registry.workload / total))
    model.set_parameters(umbrella_need_share=0.0)
    assert funder.allocate(900.0) == pytest.approx(dict.fromkeys(grants, 300.0))
    model.set_parameters(umbrella_allocation_weights_by_registry={"pypi": 2.0, "crates": 1.0})
    assert funder.allocate(900.0) == pytest.approx({"pypi": 600.0, "crates": 300.0})


def test_a_forced_miss_stops_every_grant_until_the_next_round():
    """`umbrella_missed_round_year`: the year's first round is missed (grants stop, event); the next one pays again."""
    model = RegistryModel(rng=0, umbrella_miss_prob_per_year=0.0, umbrella_missed_round_year=2027, **SMALL)
    funder = funder_at(model, 53)  # 2027, week of year 0: its first round
    assert model.year == 2027 and funder.grants
    funder.hold_round()
    assert funder.grants == {} and funder.rounds_missed == 1
    assert model.events[-1]["kind"] == "missed_round"
    funder = funder_at(model, 66)  # the next round
    funder.hold_round()
    assert funder.grants and funder.rounds_missed == 1


def test_a_drawn_miss_follows_the_yearly_probability():
    """With a yearly miss probability of 1, every round is missed."""
    model = RegistryModel(rng=0, umbrella_miss_prob_per_year=1.0, **SMALL)
    for week in (14, 27, 40):
        funder_at(model, week).hold_round()
    assert model.umbrella_funders[0].rounds_missed == 3 and model.umbrella_funders[0].grants == {}


def test_a_multi_year_commitment_survives_misses_until_it_ends():
    """Grants committed for two years are not reallocated or missed until the commitment ends."""
    model = RegistryModel(rng=0, umbrella_miss_prob_per_year=1.0, umbrella_commitment_years=2, **SMALL)
    funder = model.umbrella_funders[0]
    funder.miss_prob_per_round = 0.0
    funder_at(model, 14).hold_round()  # a successful round commits until tick 14 + 104
    committed = dict(funder.grants)
    assert funder.committed_until == 14 + 104
    funder.miss_prob_per_round = 1.0
    model.set_parameters(umbrella_missed_round_year=2027)
    for week in (27, 40, 53, 66, 79, 92, 105):  # every round inside the commitment, the forced one included
        funder_at(model, week).hold_round()
    assert funder.grants == committed and funder.rounds_missed == 0
    funder_at(model, 118).hold_round()  # the commitment has ended: the drawn miss now stops the grants
    assert funder.grants == {} and funder.rounds_missed == 1


def test_donors_lapse_and_return_at_the_year_boundary():
    """A donor renews with its probability; a lapsed slot is refilled with the return probability."""
    model = RegistryModel(rng=0, umbrella_donor_renewal_prob=0.0, umbrella_donor_return_prob=0.0, **SMALL)
    funder = model.umbrella_funders[0]
    funder.renew_donors()
    assert funder.donor_active == [False, False, False] and funder.budget_usd_per_year == 0.0
    model.set_parameters(umbrella_donor_return_prob=1.0)
    funder.renew_donors()
    assert funder.budget_usd_per_year == funder.full_budget_usd_per_year


def test_grants_are_paid_weekly():
    """A grant of G a year pays G / 52 a week to its grantee."""
    model = RegistryModel(rng=0, **SMALL)
    funder = model.umbrella_funders[0]
    funder.grants = {"crates": 52_000.0}
    funder.pay_grants()
    assert model.registries_by_name["crates"].incoming["grant"] == pytest.approx(1_000.0)


def test_the_public_funder_grants_the_neediest_registry_for_a_fixed_term():
    """Each year the neediest eligible registry without a running grant gets budget / years a year, for `years`."""
    model = RegistryModel(rng=0, public_funder_budget_usd_per_year=1e6, public_grant_years=2, **SMALL)
    public = model.public_funder
    eligible = [model.registries_by_name[name] for name in ("pypi", "crates", "rubygems")]
    neediest = max(eligible, key=lambda r: r.removal_median_hours * r.workload)
    public.award_grants()
    assert public.grants == {neediest.name: (5e5, 104.0)}
    model.time = 52.0
    public.award_grants()
    assert len(public.grants) == 2 and neediest.name in public.grants  # the first grant still runs
    model.time = 104.0
    public.pay_grants()  # the last week of the first grant's term still pays
    assert model.registries_by_name[neediest.name].incoming["grant"] == pytest.approx(5e5 / 52)
    model.time = 105.0
    public.award_grants()
    assert all(end > 105.0 for _, end in public.grants.values())  # the ended grant is gone
