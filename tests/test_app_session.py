"""The explorer's session, levers and exports without Solara (fast)."""

from __future__ import annotations

import io
import zipfile

import pytest

from model.parameters import ModelParameters, ParameterError
from viz.charts import ChartBoard
from viz.levers import LEVER_GROUPS, LEVERS, parse_lever
from viz.session import ExplorerSession


def test_every_lever_is_a_parameter_with_a_unit_and_a_tooltip():
    assert {"Registries and their fees", "Corporations", "Funders", "Security", "Infrastructure donors"} <= set(
        LEVER_GROUPS
    )
    for name, lever in LEVERS.items():
        assert name == "seed" or name in ModelParameters.model_fields
        assert lever.unit and len(lever.tooltip) > 10


def test_bad_lever_text_raises_one_line_errors_naming_the_lever():
    cases = {
        ("seed", "abc"): "not a number",
        ("seed", "-1"): ">= 0",
        ("seed", "1.5"): "whole number",
        ("pledge_usd_per_developer", ""): "empty",
        ("opex_budget_share", "2"): "between 0 and 1",
        ("cdn_donation", "maybe"): "on or off",
        ("fee_registries", "pypi,cpan"): "unknown registry",
    }
    for (name, text), expected in cases.items():
        with pytest.raises(ParameterError, match=expected) as caught:
            parse_lever(LEVERS[name], text)
        assert LEVERS[name].label in str(caught.value) and "\n" not in str(caught.value)


def test_lever_change_replays_shocks_at_the_same_weeks():
    session = ExplorerSession()
    session.step(20)
    session.fire("worm")
    session.step(10)
    fired = [row["start_time"] for row in session.model.worm_rows]
    assert 21 in fired
    session.set_lever("token_hygiene_mean", "0.9")
    assert session.week == 30 and session.params.token_hygiene_mean == 0.9
    assert 21 in [row["start_time"] for row in session.model.worm_rows]  # the shock was replayed
    session.reset()
    assert session.week == 0 and session.shocks == []


def test_exports_hold_the_run_so_far():
    session = ExplorerSession()
    session.step(8)
    with zipfile.ZipFile(io.BytesIO(session.csv_zip())) as archive:
        assert sorted(archive.namelist()) == ["events.csv", "model.csv", "registries.csv", "scenario.csv", "worms.csv"]
        assert len(archive.read("model.csv").decode().strip().splitlines()) == 1 + 8
    board = ChartBoard(session.params.start_year, session.horizon_weeks)
    board.update(session.history, None)
    first = board.png()
    session.step(8)
    board.update(session.history, None)
    assert board.png() != first and first[:8] == b"\x89PNG\r\n\x1a\n"
    assert board.full_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_app_hosts_the_workshop_page_as_a_tab():
    """`borrowed-time app` serves the workshop's own page at /workshop, labelled for its tab."""
    from viz.app import routes
    from viz.workshop.app import Page

    workshop = [route for route in routes if route.path == "workshop"]
    assert len(workshop) == 1 and workshop[0].component is Page and workshop[0].label == "Workshop"


def test_the_baseline_meets_the_same_exogenous_events_as_the_explored_run():
    """Under a pledge lever and a fired worm, the run's random worms start in the baseline's weeks (common random numbers)."""
    session = ExplorerSession()
    session.set_lever("pledge_usd_per_developer", "500")
    session.step(4 * 52)
    session.fire("worm")  # starts next week, on top of the random outbreaks
    session.step(52)
    baseline = [row["start_time"] for row in session.baseline.worms if row["start_time"] <= session.week]
    assert len(baseline) >= 3  # random outbreaks happened, so the comparison can fail
    assert sorted(row["start_time"] for row in session.history.worms) == sorted([*baseline, 4 * 52 + 1])


def test_exports_carry_the_scenario_and_its_levers():
    """CSV: the scenario's preset, week, shocks and every lever's value; PNG: a title and the lever list."""
    import pandas as pd

    session = ExplorerSession("opex-norm", {"per_package_fee_usd": 4.0}, seed=2, years=1)
    session.step(3)
    session.fire("worm")
    with zipfile.ZipFile(io.BytesIO(session.csv_zip())) as archive:
        scenario = pd.read_csv(io.BytesIO(archive.read("scenario.csv")), dtype=str).set_index("name")["value"]
    assert scenario["preset"] == "opex-norm" and scenario["modified"] == "true" and scenario["week"] == "3"
    assert scenario["shocks"] == "worm@3" and scenario["per_package_fee_usd"] == "4" and scenario["seed"] == "2"
    assert len(scenario) == 4 + len(LEVERS)
    assert session.export_name == "borrowed-time-opex-norm-modified-seed2-week3"
    assert "opex-norm (modified)" in session.title()
    assert "Per-package fee: 4 (USD per new package) *" in session.lever_lines()
    assert "Shocks fired: worm in week 3" in session.lever_lines()


def test_the_about_page_is_written_for_users():
    """No links to repository files (they do not resolve in the app), no test files, no dollar signs for KaTeX."""
    from viz.about import DOC_LINK, INTRO, doc_section, for_readers, purpose, what_to_try

    pages = [
        INTRO,
        for_readers(purpose()),
        for_readers(doc_section("model.md", "8. Simplifications and known gaps")),
        what_to_try(),
        for_readers(doc_section("calibration.md")),
    ]
    for text in pages:
        assert not DOC_LINK.search(text) and "tests/" not in text and "$" not in text
    assert "Charge USD 5 per new package" in what_to_try()
