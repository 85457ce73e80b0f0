"""Headless tests of the explorer page (solara.render, one virtual kernel per test)."""

from __future__ import annotations

import threading
import time
import uuid

import ipyvuetify as v
import pytest
import solara
from solara.server import kernel, kernel_context

from viz.app import tab_target
from viz.explorer import Explorer
from viz.levers import LEVERS
from viz.projection import Projector
from viz.session import ExplorerSession
from viz.url_state import from_query


class NoProjection(Projector):
    """A projector that runs nothing (tests of the levers and story mode need no projection)."""

    def project(self, scenarios, on_update=None, cancel=None):
        """Run nothing."""
        return None


@pytest.fixture
def context():
    """A fresh virtual kernel per test, so no reactive state leaks between tests."""
    ctx = kernel_context.VirtualKernelContext(id=f"test-{uuid.uuid4()}", kernel=kernel.Kernel(), session_id="test")
    with ctx:
        yield ctx  # not closed: closing a test kernel trips over ipykernel's dummy comms; it is simply dropped


def render_explorer(search: str | None = None, projector: Projector | None = None, years: float = 10):
    """Render the explorer in an app layout; return the render context, its session and the URLs it pushed."""
    sessions: list[ExplorerSession] = []
    urls: list[str] = []
    explorer = Explorer(
        search=search,
        on_url=urls.append,
        on_session=sessions.append,
        projector=projector or NoProjection(),
        years=years,
    )
    _, rc = solara.render(solara.AppLayout(children=[explorer]), handle_error=False)
    assert len(sessions) == 1
    return rc, sessions[0], urls


def click(rc, label: str) -> None:
    """Click the button with this label (buttons with an icon hold the label after it)."""
    buttons = [w for w in rc.find(v.Btn).widgets if label in w.children]
    assert len(buttons) == 1, f"expected one button {label!r}, found {len(buttons)}"
    buttons[0].click()


def lever_field(rc, name: str):
    """The text field of a lever."""
    lever = LEVERS[name]
    return rc.find(v.TextField, label=f"{lever.label} ({lever.unit})").widget


def type_into(rc, name: str, text: str) -> None:
    """Type a value into a lever's field and leave it (as a user would)."""
    field = lever_field(rc, name)
    field.v_model = text
    field.fire_event("keyup.enter", None)


def week_label(rc) -> str:
    """The 'Week N of M' text."""
    return rc.find(v.Html, class_="week-label").widget.children[0]


def test_levers_change_parameters(context):
    rc, session, urls = render_explorer()
    type_into(rc, "per_package_fee_usd", "12.5")
    assert session.params.per_package_fee_usd == 12.5
    type_into(rc, "umbrella_commitment_years", "2")
    assert session.params.umbrella_commitment_years == 2
    rc.find(v.Switch, label="Donated CDN (on/off)").widget.v_model = False
    assert session.params.cdn_donation is False
    assert urls and "per_package_fee_usd=12.5" in urls[-1] and "cdn_donation=false" in urls[-1]


def test_step_and_reset(context):
    rc, session, _ = render_explorer()
    assert week_label(rc).startswith("Week 0 of 520")
    click(rc, "Step week")
    assert session.week == 1 and week_label(rc).startswith("Week 1 of")
    click(rc, "Step year")
    assert session.week == 53 and len(session.history) == 53
    click(rc, "Reset")
    assert session.week == 0 and len(session.history) == 0 and week_label(rc).startswith("Week 0 of")


def test_play_runs_until_paused(context):
    rc, session, _ = render_explorer()
    click(rc, "Play")
    deadline = time.monotonic() + 20
    while session.week < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    click(rc, "Pause")
    time.sleep(0.5)  # a frame already under way when Pause was clicked may still land
    stopped_at = session.week
    assert stopped_at >= 3
    time.sleep(0.5)
    assert session.week == stopped_at


def test_bad_lever_values_show_an_error_and_the_model_keeps_running(context):
    rc, session, _ = render_explorer()
    click(rc, "Step week")
    type_into(rc, "seed", "abc")
    assert "not a number" in " ".join(lever_field(rc, "seed").messages)
    type_into(rc, "pledge_usd_per_developer", "")
    assert "empty" in " ".join(lever_field(rc, "pledge_usd_per_developer").messages)
    type_into(rc, "opex_budget_share", "1.5")
    assert "between 0 and 1" in " ".join(lever_field(rc, "opex_budget_share").messages)
    assert (
        session.seed == 0
        and session.params.pledge_usd_per_developer == 2000
        and session.params.opex_budget_share == 0.05
    )
    click(rc, "Step week")
    assert session.week == 2
    type_into(rc, "seed", "4")
    assert not lever_field(rc, "seed").error and session.seed == 4 and session.week == 2


def test_shock_buttons_change_the_running_model(context):
    rc, session, _ = render_explorer()
    click(rc, "Step year")
    worms_before = len(session.model.worm_rows)
    click(rc, "Worm starts now")
    click(rc, "Umbrella funder misses its round")
    click(rc, "CDN donor leaves")
    click(rc, "Spam burst")
    assert all(not funder.grants for funder in session.model.umbrella_funders)
    assert not any(r.cdn_active for r in session.model.registry_list)
    assert session.model.spam_burst_ends
    click(rc, "Step week")
    started = [row for row in session.model.worm_rows[worms_before:] if row["start_time"] == 53]
    assert started and started[0]["registry"] == "npm"
    kinds = {event["kind"] for event in session.model.events}
    assert {"worm", "missed_round", "donor_left", "spam_burst"} <= kinds


def test_url_state_round_trips(context):
    rc, session, urls = render_explorer("preset=opex-norm&seed=3&per_package_fee_usd=7&fee_registries=pypi,npm")
    assert session.preset == "opex-norm" and session.seed == 3
    assert session.params.per_package_fee_usd == 7 and session.params.fee_registries == ("pypi", "npm")
    assert lever_field(rc, "per_package_fee_usd").v_model == "7"
    type_into(rc, "public_funder_budget_usd_per_year", "2000000")
    link = from_query(urls[-1])
    assert not link.errors
    reopened = ExplorerSession(link.preset, link.overrides, link.seed)
    assert reopened.params == session.params and reopened.seed == session.seed == 3


def test_a_bad_link_is_reported_not_fatal(context):
    rc, session, _ = render_explorer("seed=abc&per_package_fee_usd=-4&nonsense=1")
    messages = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "Seed" in messages and "Per-package fee" in messages and "nonsense" in messages
    assert session.seed == 0 and session.params.per_package_fee_usd == 0
    click(rc, "Step week")
    assert session.week == 1


def test_preset_selector_loads_the_preset_and_clears_levers(context):
    rc, session, urls = render_explorer("per_package_fee_usd=9")
    click(rc, "Step week")
    selector = rc.find(v.Select, label="Scenario preset").widget
    selector.v_model = "opex-norm"
    assert session.preset == "opex-norm" and session.overrides == {}
    assert session.params.opex_budget_share > 0.05 and session.params.per_package_fee_usd == 0
    assert session.week == 1  # replayed to the week reached
    assert urls[-1] == "preset=opex-norm&week=1"  # the story run's week stays in the address
    assert lever_field(rc, "opex_budget_share").v_model == str(session.params.opex_budget_share)


def text_of(rc, css_class: str) -> str:
    """The text of the one element with this class."""
    return " ".join(str(child) for child in rc.find(v.Html, class_=css_class).widget.children)


def wait_until(condition, timeout_s: float = 120, shown=lambda: "") -> None:
    """Poll until `condition()` holds (the projection runs in a background thread)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out; the page shows {shown()}"
        time.sleep(0.05)


def projected(rc, session) -> bool:
    """Whether the page shows the session's current scenario, every member finished."""
    status = text_of(rc, "projection-status")
    return "updating" not in status and bool(rc.find(v.Html, class_="headline-value-money").widgets)


def test_a_lever_change_reprojects_and_the_headlines_move(context):
    projector = Projector(workers=1, members=2)
    rc, session, _ = render_explorer(projector=projector, years=1)
    wait_until(lambda: projected(rc, session), shown=lambda: text_of(rc, "projection-status"))
    assert "2 of 2 runs" in text_of(rc, "projection-status")
    before = text_of(rc, "headline-change-money")
    assert before.startswith("0.0 vs status quo")  # the status quo against itself
    type_into(rc, "pledge_usd_per_developer", "6000")
    wait_until(lambda: projected(rc, session) and text_of(rc, "headline-change-money") != before)
    after = text_of(rc, "headline-change-money")
    assert "vs status quo" in after and not after.startswith("0.0 vs")
    assert projector.cached(session.scenario()).complete  # the projection shown is the new scenario's


def test_url_state_round_trips_with_shocks_and_the_week(context):
    rc, session, urls = render_explorer("preset=opex-norm&per_package_fee_usd=7&shocks=worm@3&week=5")
    assert session.preset == "opex-norm" and session.params.per_package_fee_usd == 7
    assert session.shocks == [(3, "worm")] and session.week == 5
    assert 4 in [row["start_time"] for row in session.model.worm_rows]  # the shock was replayed in week 3
    click(rc, "Step week")
    click(rc, "Spam burst")
    link = from_query(urls[-1])
    assert not link.errors and link.week == 6 and link.shocks == [(3, "worm"), (6, "spam_flood")]
    again = ExplorerSession(link.preset, link.overrides, link.seed, shocks=link.shocks, week=link.week)
    assert again.scenario() == session.scenario() and again.week == session.week == 6


def test_a_changed_preset_is_marked_modified(context):
    rc, _, _ = render_explorer("preset=opex-norm")
    assert not rc.find(v.Html, class_="scenario-modified").widgets
    type_into(rc, "per_package_fee_usd", "3")
    assert "opex-norm (modified)" in text_of(rc, "scenario-modified")
    type_into(rc, "per_package_fee_usd", "0")
    assert not rc.find(v.Html, class_="scenario-modified").widgets


def test_back_to_an_earlier_address_restores_its_scenario(context):
    """A query the page did not publish itself (the browser's Back button) becomes the scenario, levers included."""
    search = solara.reactive("per_package_fee_usd=5&week=2")
    sessions: list[ExplorerSession] = []

    @solara.component
    def Page():
        """The explorer reading the address from a reactive value, as the router gives it."""
        Explorer(search=search.value, on_session=sessions.append, projector=NoProjection())

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    session = sessions[0]
    assert session.params.per_package_fee_usd == 5 and session.week == 2
    search.value = "per_package_fee_usd=9&shocks=worm@1&week=4"
    assert session.params.per_package_fee_usd == 9 and session.week == 4 and session.shocks == [(1, "worm")]
    assert lever_field(rc, "per_package_fee_usd").v_model == "9"


def test_switching_tabs_keeps_the_explorers_address():
    assert tab_target("about", "?per_package_fee_usd=5&week=3") == "/about?per_package_fee_usd=5&week=3"
    assert tab_target("", "per_package_fee_usd=5") == "/?per_package_fee_usd=5"
    assert tab_target("workshop", "per_package_fee_usd=5") == "/workshop"  # the workshop has its own address


def test_moving_a_lever_back_shows_the_projection_seen_before(context):
    """A scenario projected before is shown again, headlines included, each time the lever returns to it."""
    projector = Projector(workers=1, members=1)
    rc, session, _ = render_explorer(projector=projector, years=0.5)
    wait_until(lambda: projected(rc, session))
    status_quo = text_of(rc, "headline-change-money")
    type_into(rc, "pledge_usd_per_developer", "6000")
    wait_until(lambda: projected(rc, session) and text_of(rc, "headline-change-money") != status_quo)
    pledged = text_of(rc, "headline-change-money")
    for value, expected in (("2000", status_quo), ("6000", pledged), ("2000", status_quo), ("6000", pledged)):
        type_into(rc, "pledge_usd_per_developer", value)
        wait_until(lambda e=expected: projected(rc, session) and text_of(rc, "headline-change-money") == e, 30)


def test_the_lever_drawer_starts_closed_on_a_phone(context):
    """The page reports a narrow window as it opens; the drawer then closes (it stays open on a wide one)."""
    import ipyvue

    from viz.app import Layout, routes

    @solara.component
    def Levers():
        """A page with a sidebar, as the explorer's levers."""
        with solara.Sidebar():
            solara.Text("levers")

    def drawer_open(narrow: bool | None) -> bool:
        """Render the layout, let its window report `narrow` (None: no report yet); is the drawer open?"""
        page = solara.RoutingProvider(routes=routes, pathname="/", children=[Layout(children=[Levers()])])
        _, rc = solara.render(page, handle_error=False)
        if narrow is not None:
            reporter = [w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, "vue_narrow")]
            assert len(reporter) == 1
            reporter[0].vue_narrow(narrow)
        return rc.find(v.NavigationDrawer).widget.v_model

    assert drawer_open(None) and drawer_open(False)
    assert not drawer_open(True)


def test_a_lever_change_sends_no_chart_until_its_projection_has_a_run(context, monkeypatch):
    """The charts' options are rebuilt for a new projection update or a story step, not for the lever change itself."""
    import viz.projection_view

    built = []
    build = viz.projection_view.chart_option
    monkeypatch.setattr(viz.projection_view, "chart_option", lambda *a, **k: built.append(1) or build(*a, **k))
    rc, session, _ = render_explorer()
    assert len(built) == 7  # one per chart
    type_into(rc, "pledge_usd_per_developer", "6000")
    assert session.params.pledge_usd_per_developer == 6000 and len(built) == 7
    click(rc, "Step week")
    assert len(built) == 14


def test_a_lever_change_while_the_projection_waits_on_the_pool_never_wedges_it(context, monkeypatch):
    """The stall once seen in the browser ("0 of 2 runs (updating…)" with idle workers), reproduced.

    Solara stops a replaced thread, by default, by raising an exception at the next line it runs. Landing
    in `concurrent.futures.wait` while it locks the futures one by one, that exception leaves a future
    locked for good: the pool then never reports a finished run again. Here the lever change is made to
    arrive exactly there (it arrives there by chance in a browser); the new scenario must still finish.
    (With the fix, the page's threads are stopped by their cancel flag only, so the injection never runs.)
    """
    import sys
    from contextlib import contextmanager

    from solara.util import CancelledError

    at_the_line = threading.Event()
    guarded: list[bool] = []  # whether the page's projection ran under the (injecting) guard

    def holds_one_future(frame) -> bool:
        """Whether this frame is futures.wait taking its futures' locks, the first taken and the next not."""
        code, local = frame.f_code, frame.f_locals
        return (
            code.co_qualname == "_AcquireFutures.__enter__"
            and frame.f_lineno == code.co_firstlineno + 2
            and local.get("future") is not None
            and local["future"] is not local["self"].futures[0]
        )

    @contextmanager
    def cancel_lands_in_wait(cancel: threading.Event):
        """Solara's intrusive cancel, with the cancel arriving while futures.wait holds one future's lock."""

        def trace(frame, event, arg):
            """Raise as solara does, at the line after the first future's lock was taken."""
            if event == "call" and frame.f_code.co_qualname == "Projector.project":
                guarded.append(True)
            if event == "line" and holds_one_future(frame) and not at_the_line.is_set():
                at_the_line.set()
                cancel.wait(60)  # the lever change arrives here
                raise CancelledError()
            return trace

        sys.settrace(trace)
        try:
            yield
        finally:
            sys.settrace(None)

    monkeypatch.setattr(sys.modules["solara.hooks.use_thread"], "cancel_guard", cancel_lands_in_wait)
    projector = Projector(workers=2, members=2)
    try:
        rc, session, _ = render_explorer(projector=projector, years=2)
        wait_until(lambda: projector.in_flight() > 0, 60)  # the status quo's projection waits on the pool
        if guarded:  # the page's projection thread can be stopped at any line: make the stop land in the wait
            assert at_the_line.wait(60)
        type_into(rc, "pledge_usd_per_developer", "6000")
        wait_until(
            lambda: projected(rc, session) and projector.cached(session.scenario()).complete,
            90,
            shown=lambda: text_of(rc, "projection-status"),
        )
    finally:
        stopping = threading.Thread(target=projector.shutdown, daemon=True)  # a wedged pool never shuts down
        stopping.start()
        stopping.join(30)


def test_a_page_opened_on_a_projected_scenario_builds_each_chart_once(context, monkeypatch):
    """The status quo projected before (at the server's start) is drawn at once, and not drawn again when its
    projection thread reports the same runs."""
    import viz.projection_view

    class Reporting(Projector):
        """A projector that says when a projection call has returned."""

        returned = threading.Event()

        def project(self, scenarios, on_update=None, cancel=None):
            """Project, then say so."""
            try:
                return super().project(scenarios, on_update, cancel)
            finally:
                self.returned.set()

    projector = Reporting(workers=1, members=1)
    session = ExplorerSession(years=0.5)
    projector.project([session.scenario()])
    projector.returned.clear()
    built = []
    build = viz.projection_view.chart_option
    monkeypatch.setattr(viz.projection_view, "chart_option", lambda *a, **k: built.append(1) or build(*a, **k))
    rc, session, _ = render_explorer(projector=projector, years=0.5)
    assert projected(rc, session) and "1 of 1 runs" in text_of(rc, "projection-status")
    assert projector.returned.wait(30)
    assert len(built) == 7


def test_a_page_opened_while_its_projection_runs_shows_every_run_as_it_finishes(context):
    """A page opened on a projection still running (the status quo at the server's start) redraws as its runs finish."""
    projector = Projector(workers=1, members=2)
    scenario = ExplorerSession(years=0.5).scenario()
    stop = threading.Event()
    stop.set()
    projector.project([scenario], cancel=stop)
    assert projector.cached(scenario).members == {}  # asked for, no run finished yet
    rc, session, _ = render_explorer(projector=projector, years=0.5)
    wait_until(lambda: projected(rc, session), 60, shown=lambda: text_of(rc, "projection-status"))
    assert "2 of 2 runs" in text_of(rc, "projection-status") and rc.find(v.Html, class_="headline-value-money").widgets
