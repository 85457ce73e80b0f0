"""The explorer's projection: an ensemble over the horizon against the status quo with common seeds, and its charts."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

import viz.projection
from model.parameters import ParameterError
from viz.chart_options import BASELINE_COLOUR, chart_option
from viz.charts import CHARTS
from viz.headlines import HEADLINES
from viz.projection import STOP_CHECK_WEEKS, Projection, Projector, Scenario, run_member

YEARS_2 = 104


@pytest.fixture(scope="module")
def projector():
    """Two members a projection, run in this process (fast and deterministic for tests)."""
    return Projector(workers=1, members=2)


@pytest.fixture(scope="module")
def pledge(projector):
    """A lever that does not act on worms, and the status quo with the same seeds, over two years."""
    scenario = Scenario(overrides=(("pledge_usd_per_developer", 500.0),), seed=3, horizon_weeks=YEARS_2)
    return projector.project([scenario, scenario.status_quo()])


def test_members_replay_the_shocks_and_are_reproducible():
    scenario = Scenario(shocks=((10, "worm"),), horizon_weeks=30)
    first, again = run_member(scenario, 1), run_member(scenario, 1)
    x, _ = first.series["worms:this run"]
    assert 2026 + 10 / 52 in x  # the worm fired in week 10 starts in week 11 (x is the year of week - 1)
    assert first.headlines == again.headlines
    other = run_member(scenario, 0)
    assert not np.array_equal(first.series["runway:npm"][1], other.series["runway:npm"][1])  # members differ


def test_the_status_quo_meets_the_same_outside_world(pledge):
    """Common random numbers: under a pledge lever, each member's worm outbreaks start in the status quo's weeks."""
    projection, status_quo = pledge
    assert projection.complete and status_quo.complete and status_quo.scenario.preset == "status-quo"
    for member in projection.members:
        ours = projection.members[member].series["worms:this run"][0]
        theirs = status_quo.members[member].series["worms:this run"][0]
        assert np.array_equal(ours, theirs)
    assert not np.array_equal(projection.headline("money"), status_quo.headline("money"))  # the lever did act


def test_headlines_hold_one_value_per_member(pledge):
    projection, _ = pledge
    for headline in HEADLINES:
        values = projection.headline(headline.key)
        assert values.shape == (2,), headline.key
    assert set(projection.headline("solvent")) <= {0, 1, 2, 3, 4, 5}


def test_bands_hold_the_median_between_the_low_and_high(pledge):
    projection, _ = pledge
    band = projection.band("runway:pypi")
    assert len(band.x) == len(band.median) == YEARS_2 // 4
    assert np.all(band.low <= band.median) and np.all(band.median <= band.high)


def test_a_finished_projection_is_cached_and_a_cancelled_one_stops(projector, pledge):
    updates: list[int] = []
    again = projector.project([pledge[0].scenario], on_update=lambda ps: updates.append(len(ps[0].members)))
    assert again[0] is pledge[0] and updates == [2]  # nothing re-run
    cancel = threading.Event()
    cancel.set()
    assert projector.project([Scenario(seed=99, horizon_weeks=YEARS_2)], cancel=cancel) is None


def test_a_member_checks_its_stop_flag_and_stops_when_it_is_raised(monkeypatch):
    checks: list[int] = []
    weeks = 2 * STOP_CHECK_WEEKS + 1
    assert run_member(Scenario(horizon_weeks=weeks), 0, stop=lambda: checks.append(1) or False) is not None
    assert len(checks) == 3  # weeks 0, 13 and 26
    assert run_member(Scenario(horizon_weeks=weeks), 0, stop=lambda: True) is None
    monkeypatch.setattr(viz.projection, "_STOP_FLAGS", bytearray([0, 1]))  # in a worker: flags shared with the server
    assert viz.projection._member_task((Scenario(horizon_weeks=weeks), 0, 1)) is None
    assert viz.projection._member_task((Scenario(horizon_weeks=weeks), 0, 0)) is not None


def in_background(work) -> tuple[threading.Thread, list]:
    """Run `work()` in a thread; its result lands in the list."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def wait_for(condition, timeout_s: float = 60) -> None:
    """Poll until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_projection_asked_for_while_it_runs_shares_its_member_runs():
    """A page opened while the server projects the status quo waits for the same runs instead of sending them again."""
    pooled = Projector(workers=2, members=2)
    status_quo = Scenario(seed=21, horizon_weeks=YEARS_2)
    try:
        first, first_result = in_background(lambda: pooled.project([status_quo]))
        wait_for(lambda: pooled.in_flight() == 2)
        second = pooled.project([status_quo, status_quo])  # the page: the status quo against itself
        first.join(60)
        assert pooled.submitted == 2  # each member ran once
        assert second[0] is first_result[0][0] and second[0].complete
        assert pooled.in_flight() == 0
    finally:
        pooled.shutdown()


def test_a_replaced_projection_stops_only_the_runs_nobody_else_waits_for():
    """Cancelling one of two projections sharing runs leaves them running; cancelling the last raises their flags."""
    pooled = Projector(workers=2, members=2)
    scenario = Scenario(seed=22, horizon_weeks=10 * 52)
    stop_one, stop_two = threading.Event(), threading.Event()
    try:
        one, _ = in_background(lambda: pooled.project([scenario], cancel=stop_one))
        wait_for(lambda: pooled.in_flight() == 2)
        two, _ = in_background(lambda: pooled.project([scenario], cancel=stop_two))
        wait_for(lambda: all(run.waiting == 2 for run in pooled._runs.values()))
        slots = [run.slot for run in pooled._runs.values()]
        stop_one.set()
        one.join(10)
        assert pooled.in_flight() == 2 and all(pooled._stop_flags[slot] == 0 for slot in slots)
        stop_two.set()
        two.join(10)
        assert pooled.in_flight() == 0 and all(pooled._stop_flags[slot] == 1 for slot in slots)
        finished = pooled.project([Scenario(seed=23, horizon_weeks=4)])  # the workers are free for a new scenario
        assert finished[0].complete and pooled.submitted == 4
    finally:
        pooled.shutdown()


def test_members_of_two_new_scenarios_run_in_turn():
    """A new seed needs both the scenario and its status quo: their first members come first, together."""
    scenario = Scenario(overrides=(("pledge_usd_per_developer", 500.0),), seed=8, horizon_weeks=4)
    counts: list[tuple[int, int]] = []
    Projector(workers=1, members=2).project(
        [scenario, scenario.status_quo()], on_update=lambda ps: counts.append((len(ps[0].members), len(ps[1].members)))
    )
    assert counts == [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2)]


def test_a_bad_scenario_fails_before_anything_runs(projector):
    with pytest.raises(ParameterError):
        projector.project([Scenario(overrides=(("opex_budget_share", 7.0),), horizon_weeks=YEARS_2)])


def test_workers_do_not_change_the_projection(pledge):
    pooled = Projector(workers=2, members=2)
    try:
        projection = pooled.project([pledge[0].scenario])[0]
    finally:
        pooled.shutdown()
    for headline in HEADLINES:
        assert np.array_equal(projection.headline(headline.key), pledge[0].headline(headline.key), equal_nan=True)


def test_every_chart_option_has_the_baseline_dashed_grey_and_readable_text(pledge):
    projection, status_quo = pledge
    for chart in CHARTS:
        from model.catalogue import REGISTRIES

        option = chart_option(chart, REGISTRIES, projection, status_quo, None, 2026, YEARS_2)
        json.dumps(option, allow_nan=False)  # NaN never reaches the browser
        assert option["title"]["text"] == chart.heading
        labels = [item.label for item in chart.series(REGISTRIES)]
        assert option["legend"]["data"] == labels
        assert {entry["name"] for entry in option["series"]} == set(labels)  # one legend entry per registry or source
        assert option["legend"]["textStyle"]["fontSize"] >= 12 and option["xAxis"]["axisLabel"]["fontSize"] >= 12
        grey = [e for e in option["series"] if e.get("itemStyle", {}).get("color") == BASELINE_COLOUR]
        assert grey, chart.key
        if not chart.series(REGISTRIES)[0].points:
            assert any(e["lineStyle"]["type"] == "dashed" for e in grey)
        large = chart_option(chart, REGISTRIES, projection, status_quo, None, 2026, YEARS_2, large=True)
        assert large["title"]["textStyle"]["fontSize"] > option["title"]["textStyle"]["fontSize"]


def test_an_empty_projection_draws_no_scenario_lines():
    from model.catalogue import REGISTRIES

    option = chart_option(CHARTS[0], REGISTRIES, Projection(Scenario()), None)
    assert option["series"] == []


def test_a_history_read_from_the_frames_equals_one_recorded_week_by_week():
    from model.model import RegistryModel
    from viz.history import RunHistory

    model = RegistryModel(rng=5)
    recorded = RunHistory(start_year=model.p.start_year)
    for _ in range(60):
        model.step()
        recorded.record(model)
    read = RunHistory.from_model(model, recorded.registries)
    assert read.weeks == recorded.weeks and read.worms == recorded.worms
    for column in recorded.metrics:
        assert np.array_equal(read.metric(column), recorded.metric(column), equal_nan=True), column
    for name in recorded.registries:
        for column, values in recorded.by_registry[name].items():
            if column in ("time", "year", "registry"):
                continue
            if values and isinstance(values[0], str):
                assert read.by_registry[name][column] == values, (name, column)
            else:
                assert np.array_equal(read.registry(name, column), recorded.registry(name, column), equal_nan=True)
    for column in recorded.totals:
        if column in ("time", "year"):
            continue
        assert np.allclose(read.total(column), recorded.total(column), equal_nan=True), column


def test_the_png_export_draws_the_projection_with_a_title_and_the_levers(pledge):
    from model.catalogue import REGISTRIES
    from viz.export import projection_png

    png = projection_png("Borrowed Time: status-quo (modified)", ["Pledge per developer: 500 *"], REGISTRIES, *pledge)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_column_quantiles_match_numpys_nanquantile():
    from viz.projection import column_quantiles

    values = np.random.default_rng(1).normal(size=(7, 40))
    values[2, 3] = values[5, 3] = np.nan
    values[:, 9] = np.nan
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanquantile(values, (0.1, 0.5, 0.9), axis=0)
    assert np.allclose(column_quantiles(values, (0.1, 0.5, 0.9)), expected, equal_nan=True)


def test_snapshots_share_the_bands_already_computed(pledge):
    projection, _ = pledge
    band = projection.band("runway:pypi")
    first, second = projection.snapshot(), projection.snapshot()
    assert first.band("runway:pypi") is band and second.band("runway:pypi") is band
    partial = Projection(projection.scenario, {0: projection.members[0]}, 2)
    assert partial.snapshot().band("runway:pypi") is not band  # one member: a band of its own
