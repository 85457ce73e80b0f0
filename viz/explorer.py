"""The explorer page: levers by actor, run controls, shocks, charts over the baseline, tables, export.

Every browser session gets its own `ExplorerSession` (created with `solara.use_memo` inside the
component, never at module level), so two visitors never see each other's runs.
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
from viz.charts import ChartBoard
from viz.levers import LEVER_GROUPS, Lever, format_value
from viz.session import ExplorerSession
from viz.url_state import from_query, to_query

#: Play speeds: label -> weeks simulated per frame.
PLAY_SPEEDS = {"a week a frame": 1, "a month a frame": 4, "a year a frame": 52}
FRAME_PAUSE_SECONDS = 0.05
EVENTS_SHOWN = 40
DETAIL_TABS = ("Registries", "Accounts", "Events")
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
) -> None:
    """The explorer for one visitor; `search` is the page's query string, `on_url` receives new ones.

    `on_session` is called once with the visitor's session (tests use it to look inside). The
    lever panel and the run panel share a per-session version counter; only the run panel reads
    it, so a step re-renders the charts and tables, not the levers.
    """
    link = solara.use_memo(lambda: from_query(search), [])
    session = solara.use_memo(lambda: ExplorerSession(link.preset, link.overrides, link.seed), [])
    version = solara.use_reactive(0)
    solara.use_effect(lambda: on_session(session) if on_session else None, [])
    with solara.Sidebar():
        LeverPanel(session, version, link.errors, on_url)
    RunPanel(session, version)


def bump(version: solara.Reactive[int]) -> None:
    """Tell the run panel that the session changed."""
    version.value = version.value + 1


@solara.component
def LeverPanel(
    session: ExplorerSession,
    version: solara.Reactive[int],
    link_errors: list[str],
    on_url: Callable[[str], None] | None,
) -> None:
    """Preset selector and levers grouped by actor; a bad value is shown on its lever and changes nothing."""
    texts, set_texts = solara.use_state({})  # lever name -> text typed (kept while invalid)
    errors, set_errors = solara.use_state({})  # lever name -> what is wrong with it
    preset, set_preset = solara.use_state(session.preset)

    def publish_url() -> None:
        """Put the scenario in the page URL."""
        if on_url is not None:
            on_url(to_query(session.preset, session.overrides, session.seed))

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

    def on_preset(name: str) -> None:
        """Switch preset; levers show its values."""
        session.set_preset(name)
        set_preset(name)
        set_texts({})
        set_errors({})
        publish_url()
        bump(version)

    solara.Select("Scenario preset", values=preset_names(), value=preset, on_value=on_preset)
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


@solara.component
def RunPanel(session: ExplorerSession, version: solara.Reactive[int]) -> None:
    """Run controls, shock buttons, charts over the baseline, tables, events and exports."""
    start_year = session.params.start_year  # the history preset starts in 2019: new axes
    board = solara.use_memo(
        lambda: ChartBoard(start_year, session.horizon_weeks, catalogue=session.catalogue), [start_year]
    )
    shown = solara.use_memo(threading.Event, [])  # set once a render has shown the latest step
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(next(iter(PLAY_SPEEDS)))
    selected, set_selected = solara.use_state(session.catalogue.malware_target)
    tab, set_tab = solara.use_state(0)
    current = version.value

    def act(action: Callable[[], Any]) -> Callable[[], None]:
        """A click handler that runs `action` on the session, then refreshes the run panel."""

        def handler() -> None:
            """Run the action and refresh."""
            action()
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

    solara.use_thread(play_loop, dependencies=[playing, speed])

    def render_frame() -> bytes:
        """The charts for the current version of the run."""
        with session.lock:
            board.update(session.history, session.baseline)
            return board.frame()

    image = solara.use_memo(render_frame, [current])
    solara.use_effect(lambda: shown.set(), [current])  # runs once this version is on the page

    def export_png() -> bytes:
        """The charts at print resolution, for download."""
        with session.lock:
            return board.full_png()

    with solara.Column(style={"padding": "8px"}):
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
            solara.Text("Shocks:")
            for shock in fireable():
                solara.Button(
                    shock.label,
                    on_click=act(lambda name=shock.name: session.fire(name)),
                    color="warning",
                    outlined=True,
                    disabled=session.finished,
                )
        solara.Text(
            "Faint lines: the status quo with the same seed. Bold lines: this scenario so far.",
            style={"font-size": "0.85em"},
        )
        solara.Image(image, width="100%", format="jpeg")
        with solara.Row():
            solara.FileDownload(
                session.csv_zip,
                filename=f"borrowed-time-{session.preset}-seed{session.seed}-week{session.week}.zip",
                label="Export run (CSV, zip)",
                mime_type="application/zip",
            )
            solara.FileDownload(
                export_png,
                filename=f"borrowed-time-{session.preset}-seed{session.seed}-week{session.week}.png",
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
