"""Shocks fired by hand on a running model (the app's shock buttons): each changes the model."""

from __future__ import annotations

import pytest

from model import RegistryModel

QUIET = {"worm_waves_per_year": 0.0, "spam_bursts_per_year": 0.0, "umbrella_miss_prob_per_year": 0.0}


def model_at_week(weeks: int, **overrides) -> RegistryModel:
    """A quiet model (no random worms, bursts or misses) stepped `weeks` weeks."""
    model = RegistryModel(rng=1, **{**QUIET, **overrides})
    model.run_for(weeks)
    return model


def test_worm_starts_in_the_coming_week_and_is_booked():
    model = model_at_week(10)
    model.shock_worm("npm")
    assert model.worm_rows == []
    model.step()
    assert len(model.worm_rows) == 1 and model.worm_rows[0]["start_time"] == 11
    assert model.worm_rows[0]["packages_compromised"] >= 1
    assert any(e["kind"] == "worm" for e in model.events)
    model.step()
    assert len(model.worm_rows) == 1  # fired once, not every week
    with pytest.raises(ValueError, match="unknown registry"):
        model.shock_worm("cpan")


def test_missed_round_stops_grants_now_unless_committed():
    model = model_at_week(20)
    grantees = set(model.umbrella_funders[0].grants)
    assert len(grantees) >= 2
    model.shock_missed_round()
    assert model.umbrella_funders[0].grants == {}
    before = {name: model.registries_by_name[name].revenue["grant"] for name in grantees}
    model.step()
    after = {name: model.registries_by_name[name].revenue["grant"] for name in grantees}
    assert all(after[name] < before[name] for name in grantees)

    committed = model_at_week(20, umbrella_commitment_years=2)
    committed.run_for(40)  # past the first round that sets a two-year commitment
    grants = dict(committed.umbrella_funders[0].grants)
    committed.shock_missed_round()
    assert committed.umbrella_funders[0].grants == grants and grants


def test_cdn_donor_leaves_for_good_and_cash_costs_rise():
    model = model_at_week(5)
    shocked = model_at_week(5)
    with_cdn = [r.name for r in shocked.registry_list if r.cdn_active]
    assert with_cdn
    shocked.shock_cdn_donor_leaves()
    shocked.step()
    model.step()
    for name in with_cdn:  # the bandwidth the CDN carried is now paid in cash
        assert sum(shocked.registries_by_name[name].cost.values()) > sum(model.registries_by_name[name].cost.values())
    shocked.run_for(30)  # longer than the usual donor search (13 weeks): no replacement
    assert not any(shocked.registries_by_name[name].cdn_active for name in with_cdn)


def test_spam_burst_raises_npm_arrivals_for_its_weeks():
    model = model_at_week(8)
    shocked = model_at_week(8)
    shocked.shock_spam_burst()
    model.step()
    shocked.step()
    assert shocked.spam_packages_per_week > 0 == model.spam_packages_per_week
    assert shocked.registries_by_name["npm"].malware.arrivals > model.registries_by_name["npm"].malware.arrivals
    shocked.run_for(shocked.p.spam_burst_weeks)
    assert shocked.spam_packages_per_week == 0


def test_cdn_shock_ends_a_donor_search_under_way():
    """A CDN donor lost the usual way is being replaced; the shock ends that search for good."""
    model = model_at_week(5)
    registry = next(r for r in model.registry_list if r.cdn_active)
    registry._lose_donor("cdn", "its CDN donor did not renew")
    assert "cdn" in registry.donor_search_ends  # a replacement is being sought
    model.shock_cdn_donor_leaves()
    assert "cdn" not in registry.donor_search_ends
    model.run_for(model.p.inkind_replacement_weeks + 2)  # past when the replacement would have come
    assert not registry.cdn_active
