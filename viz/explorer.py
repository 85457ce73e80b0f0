"""The explorer page: levers by actor, the projection with headline outcomes, story mode, tables, export.

Every browser session gets its own `ExplorerSession` (created with `solara.use_memo` inside the
component, never at module level), so two visitors never see each other's runs. A lever change
re-projects the whole horizon as an ensemble against the status quo (`viz.projection`, in worker
processes shared by the server); the charts and headlines redraw as the members finish. Play,
step and the shocks are a story mode on top: one run played week by week, drawn as a thin line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import solara

from model.parameters import ParameterError
from model.reporters import (  # viz reaches agents only through model
    COST_ITEMS,
    REVENUE_SOURCES,
    registry_row,
)
from model.scenarios import load_preset, preset_names
from model.shocks import fireable
from viz.export import projection_png
from viz.guidance import SUGGESTIONS, Suggestion
from viz.levers import LEVER_GROUPS, Lever, format_value
from viz.projection import Projection, Projector, shared_projector
from viz.projection_view import Headlines, ProjectionCharts
from viz.session import DEFAULT_YEARS, ExplorerSession
from viz.url_state import UrlScenario, from_query, to_query

#: Play speeds: label -> weeks simulated per frame.
PLAY_SPEEDS = {"a week a frame": 1, "a month a frame": 4, "a year a frame": 52}
FRAME_PAUSE_SECONDS = 0.05
EVENTS_SHOWN = 40
DETAIL_TABS = ("Registries", "Accounts", "Events")
SUGGESTION_STYLE = {
    "text-transform": "none",
    "justify-content": "flex-start",
    "white-space": "normal",
    "height": "auto",
    "min-height": "28px",
    "text-align": "left",
}
TABLE_STYLE = "<style>.bt-table td,.bt-table th{padding:2px 10px;text-align:right}.bt-table td:first-child{text-align:left}</style>"


def registry_table(session: ExplorerSession) -> pd.DataFrame:
    """One row per registry now open or once opened: status, cash, runway, security, malware."""
    rows = []
    for registry in session.model.registry_list:
        row = registry_row(registry)
        rows.append(
            {
                "registry": registry.label,
                "kind": row["kind"],
                "status": row["status"],
                "cash (USD M)": round(row["cash_usd"] / 1e6, 2),
                "runway (months)": round(min(row["runway_months"], 999), 1),
                "security staff (FTE)": round(row["security_fte"], 2),
                "removal median (hours)": round(row["removal_median_hours"], 1),
                "live malware": row["malware_live"],
                "publishers": round(row["publishers"]),
            }
        )
    return pd.DataFrame(rows)


def accounts_table(session: ExplorerSession, name: str) -> pd.DataFrame:
    """One registry's accounts this week: revenue by source, cash cost and in-kind cover by item."""
    registry = session.model.registries_by_name[name]
    rows = [
        {
            "line": f"revenue: {source}",
            "this week (USD)": round(registry.revenue[source]),
            "per year at this rate (USD)": round(registry.revenue[source] * 52),
        }
        for source in REVENUE_SOURCES
    ]
    rows += [
        {
            "line": f"cash cost: {item}",
            "this week (USD)": round(registry.cost[item]),
            "per year at this rate (USD)": round(registry.cost[item] * 52),
        }
        for item in COST_ITEMS
    ]
    rows += [
        {
            "line": f"in-kind cover: {item}",
            "this week (USD)": round(registry.inkind[item]),
            "per year at this rate (USD)": round(registry.inkind[item] * 52),
        }
        for item in COST_ITEMS
        if registry.inkind[item]
    ]
    return pd.DataFrame(rows)


def event_lines(session: ExplorerSession, limit: int = EVENTS_SHOWN) -> list[str]:
    """The newest events first, as 'week 37 (2026): ...' lines."""
    return [
        f"week {event['time']} ({event['year']}): {event['detail']}"
        for event in reversed(session.model.events[-limit:])
    ]


@solara.component
def HtmlTable(frame: pd.DataFrame) -> None:
    """A plain HTML table (one widget, cheap to update every step)."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=TABLE_STYLE
        + frame.to_html(index=False, classes="bt-table", border=0, float_format=lambda x: f"{x:,.2f}"),
    )


@solara.component
def LeverField(
    lever: Lever,
    value: Any,
    error: str | None,
    on_text: Callable[[str, Any], None],
    registries: tuple[str, ...] = (),
) -> None:
    """One lever with its unit in the label and its meaning as a tooltip; shows its own error.

    `registries` are the names a registries lever may hold (the session's catalogue).
    """
    label = f"{lever.label} ({lever.unit})"
    with solara.Tooltip(lever.tooltip), solara.Column(gap="0px"):
        if lever.kind == "bool":
            solara.Switch(
                label=label, value=bool(value), on_value=lambda v: on_text(lever.name, "true" if v else "false")
            )
        elif lever.kind == "registries":
            solara.SelectMultiple(
                label,
                values=list(value),
                all_values=list(registries),
                on_value=lambda v: on_text(lever.name, ",".join(v)),
                dense=True,
            )
        else:
            solara.InputText(
                label,
                value=str(value),
                on_value=lambda v: on_text(lever.name, v),
                continuous_update=False,
                error=error or False,
            )


@solara.component
def Explorer(
    search: str | None = None,
    on_url: Callable[[str], None] | None = None,
    on_session: Callable[[ExplorerSession], None] | None = None,
    projector: Projector | None = None,
    years: float = DEFAULT_YEARS,
) -> None:
    """The explorer for one visitor; `search` is the page's query string, `on_url` receives new ones.

    `on_session` is called once with the visitor's session (tests use it to look inside);
    `projector` runs the projections (default: the server's shared one). The lever panel and the
    run panel share a per-session version counter; only the run panel reads it, so a step
    re-renders the charts and tables, not the levers. A new `search` that this page did not
    publish (the browser's Back button) becomes the session's scenario.
    """
    link = solara.use_memo(lambda: from_query(search), [])
    session = solara.use_memo(
        lambda: ExplorerSession(
            link.preset, link.overrides, link.seed, years=years, shocks=link.shocks, week=link.week
        ),
        [],
    )
    version = solara.use_reactive(0)
    published = solara.use_ref((search or "").lstrip("?"))
    generation = solara.use_reactive(0)  # bumped when the scenario comes from outside: the levers re-read it
    solara.use_effect(lambda: on_session(session) if on_session else None, [])

    def publish_url() -> None:
        """Put the scenario, shocks and week in the page URL."""
        query = to_query(session.preset, session.overrides, session.seed, session.shocks, session.week)
        if query != published.current:
            published.current = query
            if on_url is not None:
                on_url(query)

    def follow_search() -> None:
        """A query this page did not publish (Back, Forward, an edited address) becomes the scenario."""
        query = (search or "").lstrip("?")
        if query == published.current:
            return
        published.current = query
        if apply_link(session, from_query(query)):
            generation.value += 1
            bump(version)

    solara.use_effect(follow_search, [search])
    with solara.Sidebar():
        LeverPanel(session, version, link.errors, publish_url, generation.value)
    RunPanel(session, version, projector or shared_projector(), publish_url)


def apply_link(session: ExplorerSession, link: UrlScenario) -> bool:
    """Make the session the scenario of a link; False (and no change) if the link's scenario is not valid."""
    try:
        session.apply_link(link.preset, link.overrides, link.seed, link.shocks, link.week)
    except ParameterError:
        return False
    return True


def bump(version: solara.Reactive[int]) -> None:
    """Tell the run panel that the session changed."""
    version.value = version.value + 1


@solara.component
def LeverPanel(
    session: ExplorerSession,
    version: solara.Reactive[int],
    link_errors: list[str],
    publish_url: Callable[[], None],
    generation: int = 0,
) -> None:
    """Preset selector and levers grouped by actor; a bad value is shown on its lever and changes nothing.

    `generation` changes when the scenario came from outside (Back): then typed texts and errors are dropped.
    """
    # (generation, texts kept while invalid, errors, changes of several levers at once)
    typed, set_typed = solara.use_state((generation, {}, {}, 0))
    texts, errors = (typed[1], typed[2]) if typed[0] == generation else ({}, {})
    preset, modified = session.preset, session.modified

    def set_texts(update: Callable[[dict], dict]) -> None:
        """Change the texts typed in this generation."""
        set_typed(
            lambda t: (generation, update(t[1] if t[0] == generation else {}), t[2] if t[0] == generation else {}, t[3])
        )

    def set_errors(update: Callable[[dict], dict]) -> None:
        """Change the errors shown in this generation."""
        set_typed(
            lambda t: (generation, t[1] if t[0] == generation else {}, update(t[2] if t[0] == generation else {}), t[3])
        )

    def on_text(name: str, text: Any) -> None:
        """Apply a typed lever value, or show on the lever what is wrong with it."""
        set_texts(lambda t: {**t, name: text})
        try:
            session.set_lever(name, text)
        except ParameterError as exc:
            message = str(exc)  # `exc` is unbound once the except block ends; the updater may run later
            set_errors(lambda e: {**e, name: message})
            return
        set_errors(lambda e: {k: v for k, v in e.items() if k != name})
        publish_url()
        bump(version)

    def cleared() -> None:
        """After a change of several levers: forget typed texts and errors, refresh the URL and the run panel."""
        set_typed(lambda t: (generation, {}, {}, t[3] + 1))
        publish_url()
        bump(version)

    def on_preset(name: str) -> None:
        """Switch preset; levers show its values."""
        session.set_preset(name)
        cleared()

    def on_suggestion(suggestion: Suggestion) -> None:
        """Set a suggestion's levers in one click (on top of the current scenario)."""
        session.set_levers(dict(suggestion.levers))
        cleared()

    with solara.Details("What to try", expand=True), solara.Column(gap="4px", classes=["what-to-try"]):
        for suggestion in SUGGESTIONS:
            with solara.Tooltip(suggestion.look_for):
                solara.Button(
                    suggestion.title,
                    on_click=lambda s=suggestion: on_suggestion(s),
                    text=True,
                    small=True,
                    style=SUGGESTION_STYLE,
                )
    solara.Select("Scenario preset", values=preset_names(), value=preset, on_value=on_preset)
    if modified:
        solara.Text(f"{preset} (modified): levers differ from the preset", classes=["scenario-modified"])
    solara.Text(load_preset(preset).description, style={"font-size": "0.85em"})
    for message in link_errors:
        solara.Warning(message, dense=True)
    for group, levers in LEVER_GROUPS.items():
        with solara.Card(group, margin=0, elevation=1, style={"margin-bottom": "8px"}):
            for lever in levers:
                value = texts.get(lever.name, format_value(lever, session.lever_value(lever.name)))
                if lever.kind in ("bool", "registries"):
                    value = session.lever_value(lever.name)
                LeverField(lever, value, errors.get(lever.name), on_text, session.catalogue.names)


def shows(shown: Projection | None, projection: Projection) -> bool:
    """Whether a projection on show holds the same members as this one (of the same scenario)."""
    return (
        shown is not None
        and shown.scenario == projection.scenario
        and shown.members.keys() == projection.members.keys()
    )


def snapshot(projection: Projection | None) -> Projection | None:
    """The runs of a projection finished so far (None for none)."""
    return None if projection is None else projection.snapshot()


def use_projection(session: ExplorerSession, projector: Projector) -> tuple[Projection | None, Projection | None, int]:
    """The scenario's projection and the status quo's, updated as members finish; and a revision number.

    Until the new scenario's first member finishes, the last projection stays on show.
    """
    scenario = session.scenario()
    # use_state, not use_reactive: its first value is taken once (a reactive would reset to the cache's at every render)
    # snapshots, not the cached projections themselves: those fill up as runs finish, and an update would then
    # find the same runs on show (and redraw nothing) while the page shows fewer
    shown, set_shown = solara.use_state(
        (snapshot(projector.cached(scenario)), snapshot(projector.cached(scenario.status_quo())), 0)
    )

    def project(cancel: threading.Event) -> None:
        """Run both projections in the shared workers; publish each update (not after a newer lever change)."""

        def update(projections: list[Projection]) -> None:
            """Show the members finished so far (nothing is redrawn if the page shows them already)."""
            current = session.scenario() == scenario  # not after a newer lever change
            if current and projections[0].members:  # until then the last projection stays on show
                first, second = projections

                def newer(before: tuple[Projection | None, Projection | None, int]):
                    """The snapshots to show, or what is on show if it holds the same members."""
                    if shows(before[0], first) and shows(before[1], second):
                        return before
                    return first.snapshot(), second.snapshot(), before[2] + 1

                set_shown(newer)

        projector.project([scenario, scenario.status_quo()], on_update=update, cancel=cancel)

    # stopped by its cancel flag, never by an exception raised at any line (solara's default): raised inside
    # concurrent.futures while it holds a future's lock, that exception left the worker pool wedged for good
    solara.use_thread(project, dependencies=[scenario], intrusive_cancel=False)
    return shown


@solara.component
def RunPanel(
    session: ExplorerSession, version: solara.Reactive[int], projector: Projector, publish_url: Callable[[], None]
) -> None:
    """Headline outcomes, the projection's charts, story-mode controls and shocks, tables, events and exports."""
    start_year = session.params.start_year  # the history preset starts in 2019: new axes
    shown = solara.use_memo(threading.Event, [])  # set once a render has shown the latest step
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(next(iter(PLAY_SPEEDS)))
    selected, set_selected = solara.use_state(session.catalogue.malware_target)
    tab, set_tab = solara.use_state(0)
    large, set_large = solara.use_state(False)
    current = version.value
    projection, status_quo, revision = use_projection(session, projector)

    def act(action: Callable[[], Any]) -> Callable[[], None]:
        """A click handler that runs `action` on the session, then refreshes the run panel and the URL."""

        def handler() -> None:
            """Run the action and refresh."""
            action()
            publish_url()
            bump(version)

        return handler

    def play_loop(cancel: threading.Event) -> None:
        """While playing: step, show the frame, pause briefly; stop at the horizon."""
        if not playing:
            return
        while not cancel.is_set() and not session.finished:
            shown.clear()
            session.step(PLAY_SPEEDS[speed])
            bump(version)
            shown.wait(timeout=5)  # one frame at a time: never step faster than the page renders
            cancel.wait(FRAME_PAUSE_SECONDS)
        if session.finished:
            set_playing(False)

    solara.use_thread(play_loop, dependencies=[playing, speed], intrusive_cancel=False)  # never stop mid-week
    solara.use_effect(lambda: shown.set(), [current])  # runs once this version is on the page
    solara.use_effect(lambda: None if playing else publish_url(), [playing])  # the week reached, once paused

    def export_png() -> bytes:
        """The projection's charts, titled and listing the levers, for download."""
        return projection_png(session.title(), session.lever_lines(), session.catalogue, projection, status_quo)

    done = len(projection.members) if projection is not None else 0
    size = projection.size if projection is not None else projector.members
    updating = projection is None or projection.scenario != session.scenario() or not projection.complete
    with solara.Column(style={"padding": "8px", "padding-bottom": "64px"}):
        Headlines(projection, status_quo)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(
                f"Projection to {start_year + session.horizon_weeks // 52}: {done} of {size} runs"
                + (" (updating…)" if updating else ""),
                classes=["projection-status"],
                style={"font-size": "0.9em"},
            )
            solara.Switch(label="Large charts", value=large, on_value=set_large)
        solara.Text(
            "Coloured: this scenario (median and 10 to 90% band over the runs). Dashed grey: the status quo "
            "with the same seeds. Thin line: the story run played so far. Click a legend entry to hide or show it.",
            style={"font-size": "0.85em"},
        )
        ProjectionCharts(
            session.catalogue,
            projection,
            status_quo,
            session.history if session.week else None,
            start_year,
            session.horizon_weeks,
            large,
            (revision, (session.week, session.scenario()) if session.week else None),  # not redrawn otherwise
        )
        solara.Markdown("### Story mode: play one run, fire shocks")
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                "Play", icon_name="mdi-play", on_click=lambda: set_playing(True), disabled=playing or session.finished
            )
            solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: set_playing(False), disabled=not playing)
            solara.Button("Step week", on_click=act(lambda: session.step(1)), disabled=playing or session.finished)
            solara.Button("Step year", on_click=act(lambda: session.step(52)), disabled=playing or session.finished)
            solara.Button("Reset", icon_name="mdi-restart", on_click=act(session.reset))
            solara.Select(
                "Play speed", values=list(PLAY_SPEEDS), value=speed, on_value=set_speed, style={"max-width": "180px"}
            )
            solara.Text(
                f"Week {session.week} of {session.horizon_weeks} ({session.model.year})", classes=["week-label"]
            )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text("Shocks (fired now, and in every run of the projection):")
            for shock in fireable():
                solara.Button(
                    shock.label,
                    on_click=act(lambda name=shock.name: session.fire(name)),
                    color="warning",
                    outlined=True,
                    disabled=session.finished,
                )
        if session.shocks:
            solara.Text(
                "Fired: " + ", ".join(f"{name} in week {week}" for week, name in session.shocks),
                classes=["shocks-fired"],
                style={"font-size": "0.85em"},
            )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.FileDownload(
                session.csv_zip,
                filename=f"{session.export_name}.zip",
                label="Export run (CSV, zip)",
                mime_type="application/zip",
            )
            solara.FileDownload(
                export_png,
                filename=f"{session.export_name}.png",
                label="Export charts (PNG)",
                mime_type="image/png",
            )
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            for label in DETAIL_TABS:
                solara.lab.Tab(label)
        if DETAIL_TABS[tab] == "Registries":  # only the tab on show is built: less work per step
            HtmlTable(registry_table(session))
        elif DETAIL_TABS[tab] == "Accounts":
            names = [r.name for r in session.model.registry_list]
            shown_name = selected if selected in names else names[0]
            solara.Select(
                "Registry", values=names, value=shown_name, on_value=set_selected, style={"max-width": "240px"}
            )
            HtmlTable(accounts_table(session, shown_name))
        else:
            with solara.Column(gap="2px", classes=["events-log"]):
                for line in event_lines(session) or ["No events yet: press Step or Play."]:
                    solara.Text(line)
