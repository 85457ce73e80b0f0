"""The hindcast's dated inputs (model/history.py, model/data/history.toml): when they act, and only in the hindcast."""

import pytest

import model.history
from model import ParameterError, RegistryModel, make_parameters, run
from model.history import Dated, HistoryInputs, Sponsor, arrival_rate_per_day, due_week, load_entries, load_sponsors

SMALL = {"n_developers": 300, "n_corporations": 60}


def history_model(**overrides) -> RegistryModel:
    """A small hindcast model from January 2019."""
    return RegistryModel(start_year=2019, history_inputs=True, **{**SMALL, **overrides}, rng=1)


def test_a_dated_change_acts_from_its_week_and_not_before():
    model = history_model()
    week = due_week(2022.15, 2019)  # Alpha-Omega's launch: the umbrella budget goes from 0 to $5 M
    assert model.p.umbrella_budget_usd_per_year == 0.0
    model.run_for(week)  # weeks 0 .. week - 1 done
    assert model.p.umbrella_budget_usd_per_year == 0.0
    model.step()
    assert model.p.umbrella_budget_usd_per_year == 5.0e6
    assert model.year == 2022


def test_the_start_state_is_an_observed_figure_carried_back_at_the_registry_s_growth():
    model = history_model()
    pypi = model.registries_by_name["pypi"]
    growth = pypi.profile.download_growth_per_year
    assert pypi.downloads_per_week == pytest.approx(5.46e9 / (1 + growth) ** 4.5)
    projected = RegistryModel(start_year=2019, **SMALL, rng=1).registries_by_name["pypi"].downloads_per_week
    assert pypi.downloads_per_week != pytest.approx(projected)  # not 2026's level projected backwards


def test_no_grants_are_booked_at_the_start_of_a_hindcast_without_an_umbrella_funder():
    model = history_model()
    assert all(not funder.grants for funder in model.umbrella_funders)
    pypi = model.registries_by_name["pypi"]
    assert pypi.security_fte == pytest.approx(pypi.profile.own_security_fte)


def test_a_year_s_malware_rate_gives_its_packages_in_expectation():
    rate = arrival_rate_per_day(245_032, 2023, 2019, 0.75)
    weekly = [rate * 7 * 1.75 ** (week / 52) for week in range(4 * 52, 5 * 52)]
    assert sum(weekly) == pytest.approx(245_032 * 364 / 365)


def test_a_year_s_spam_share_arrives_as_a_year_long_campaign():
    text = '[[malware]]\nyear = 2024\npackages = 52000\nspam_share = 0.75\nsource = "s"\nspam_source = "t"'
    _, dated = load_entries(0.0, 2019, text)
    rate, campaign = dated
    assert rate.changes["malware_arrivals_per_day"] == pytest.approx(13_000 / 365)
    assert campaign.at == 2024.0 and campaign.spam == ("npm", 39_000.0, 52)


def test_a_documented_spam_campaign_starts_in_its_week_with_its_size():
    model = history_model()
    campaign = Dated(2019.1, {}, "a test campaign", ("npm", 10_400.0, 4))
    model.history = HistoryInputs(dated=(campaign,), due={due_week(2019.1, 2019): [campaign]})
    model.run_for(due_week(2019.1, 2019))
    assert model.spam_packages_per_week == 0
    model.step()
    assert model.spam_packages_per_week == pytest.approx(10_400 / 4)
    assert model.events[-1]["kind"] == "spam_burst" and "documented campaign" in model.events[-1]["detail"]
    model.run_for(4)
    assert model.spam_packages_per_week == 0


def test_a_sponsor_pays_its_registry_a_grant_between_its_dates_only():
    model = history_model()
    sponsor = Sponsor("crates", "test", 52_000.0, 2019.1, 2019.2, "a test sponsor")
    model.history = HistoryInputs(sponsors=(sponsor,))
    crates = model.registries_by_name["crates"]
    paid = []
    for _ in range(due_week(2019.3, 2019)):
        model.step()
        paid.append(crates.revenue["grant"])
    weeks = range(due_week(2019.1, 2019), due_week(2019.2, 2019))
    assert [week for week, grant in enumerate(paid) if grant > 0] == list(weeks)
    assert all(paid[week] == pytest.approx(1_000.0) for week in weeks)  # no umbrella grants before 2022


def test_the_shipped_sponsor_is_aws_for_pypi_s_first_security_engineer():
    (aws,) = load_sponsors()
    assert (aws.registry, aws.usd_per_year, aws.until - aws.at) == ("pypi", 144_000.0, pytest.approx(1.0))


def test_runs_outside_the_hindcast_never_read_the_inputs(monkeypatch):
    def refuse(*_):
        raise AssertionError("the history inputs were read")

    monkeypatch.setattr(model.history, "load_entries", refuse)
    assert HistoryInputs.for_parameters(make_parameters()) == HistoryInputs()
    run("status-quo", years=0.2, seed=3, **SMALL)
    run("history", years=0.2, seed=3, history_inputs=False, **SMALL)


def test_the_history_preset_uses_the_inputs():
    on = run("history", years=0.5, seed=3, **SMALL)
    off = run("history", years=0.5, seed=3, history_inputs=False, **SMALL)
    assert on.model["umbrella_budget_usd_per_year"].iloc[0] == 0.0
    assert off.model["umbrella_budget_usd_per_year"].iloc[0] > 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[change]]\nat = 2020.0\nparameter = "start_grant_fte"\nvalue = 1.0\nsource = "s"', "not live"),
        ('[[change]]\nat = 2020.0\nparameter = "umbrella_budget_usd_per_year"\nvalue = -1.0\nsource = "s"', "umbrella"),
        ('[[start]]\nregistry = "pypi"\nfield = "packages"\nvalue = 1.0\nat = 2020.0\nsource = "s"', "cannot be set"),
        ('[[malware]]\nyear = "2020"\npackages = 10\nsource = "s"', "'year' must be a number"),
        ('[[spam]]\nat = 2020.0\npackages = 10\nweeks = 2\nregistry = "nowhere"\nsource = "s"', "unknown registry"),
    ],
)
def test_a_bad_entry_is_one_line_naming_it(text, message):
    with pytest.raises(ParameterError, match=message) as error:
        load_entries(0.75, 2019, text)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[sponsor]]\nregistry = "pypi"\nname = "a"\nusd_per_year = 0\nat = 2020.0\nuntil = 2021.0\nsource = "s"',
            "usd_per_year",
        ),
        (
            '[[sponsor]]\nregistry = "pypi"\nname = "a"\nusd_per_year = 5\nat = 2020.0\nuntil = 2020.0\nsource = "s"',
            "'until'",
        ),
        ('[[sponsor]]\nregistry = "pypi"\nusd_per_year = 5\nat = 2020.0\nuntil = 2021.0\nsource = "s"', "'name'"),
    ],
)
def test_a_bad_sponsor_is_one_line_naming_the_field(text, message):
    with pytest.raises(ParameterError, match=message) as error:
        load_sponsors(text)
    assert "\n" not in str(error.value)


def test_the_shipped_inputs_load_and_each_names_its_source():
    starts, dated = load_entries(0.75, 2019)
    assert starts and dated
    assert all(entry.source for entry in (*starts, *dated))


def test_token_hygiene_follows_the_dated_trusted_publishing_record():
    model = history_model()
    assert model.p.token_hygiene_mean == 0.05  # before trusted publishing
    assert model.developers.token_hygiene.mean() == pytest.approx(0.05, abs=0.01)
    model.run_for(due_week(2025.94, 2019) + 1)  # npm's classic tokens revoked, Dec 2025
    assert model.p.token_hygiene_mean == 0.30
    assert model.developers.token_hygiene.mean() == pytest.approx(0.30, abs=0.02)
