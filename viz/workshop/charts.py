"""Charts of a room's rounds (matplotlib, drawn as SVG), drawn once per state of the room and shared by its pages.

A room's charts depend only on its played rounds, so every page of the room shows the same
picture: `shared` draws a chart the first time any page asks for it after a round is played (or
undone) and hands the same SVG to every other page. The SVG goes into the page as an image
(`data:` address), so it scales to a projector or a phone and no text in it is ever markup.

- the projector's charts (`SCREEN_METRICS`): runway and removal delay per registry, developers
  on alternatives against the status quo;
- a team's charts (`team_charts`): its registry's runway and removal delay, or the ecosystem's
  harm and alternatives, against the status quo;
- the debrief's one large chart (`DEBRIEF_METRICS`): a metric by year with the event cards and
  every team's decision changes marked on the timeline (numbered as in the list beside it).

Pages get `Chart` objects and show them with `display.SharedPicture`, which draws in the
background when no page has yet, so a page shows the new round at once and its charts a moment later.

When the server plays the coming year ahead (`viz.workshop.ahead`), it also draws that year's
projector and team charts ahead (`draw_ahead`); if Advance takes that very year, the charts are
ready when the pages learn of it, and come with the new round's text.
"""

from __future__ import annotations

import base64
import io
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure

from viz.workshop.roles import RoleBook
from viz.workshop.wording import card_title

if TYPE_CHECKING:
    from viz.workshop.room import WorkshopRoom

STATUS_QUO_STYLE = {"linestyle": "--", "linewidth": 1.6, "alpha": 0.6, "marker": "o", "markerfacecolor": "none"}
#: Least distance between two line-end labels, as a share of the axes' height.
LABEL_GAP = 0.075
ROOM_STYLE = {"linewidth": 2.6, "marker": "o", "markersize": 5}
NEUTRAL = "#37474f"


@dataclass(frozen=True)
class Metric:
    """A quantity charted by year: its title, where it is in a round summary, and its unit."""

    title: str
    key: str
    per_registry: bool
    scale: float = 1.0  # multiply the stored value by this to get the unit shown

    def value(self, summary: dict[str, Any], registry: str | None = None) -> float:
        """The metric at the end of one round (for one registry where it is per registry)."""
        row = summary["registries"][registry] if registry is not None else summary
        return float(row[self.key]) * self.scale


RUNWAY = Metric("Runway (months of cash)", "runway_months", per_registry=True)
REMOVAL = Metric("Malware removal median (hours)", "removal_median_hours", per_registry=True)
ALTERNATIVES = Metric("Developers on alternative registries (%)", "share_developers_on_alternatives", False, 100.0)
HARM = Metric("Malware harm to firms (USD M a year)", "corporate_harm_usd", False, 1e-6)
SUPPORT = Metric("Corporate support paid to registries (USD M a year)", "corporate_support_usd", False, 1e-6)
SECURITY = Metric("Security staff (FTE)", "security_fte", per_registry=True)

SCREEN_METRICS = (RUNWAY, REMOVAL, ALTERNATIVES)
DEBRIEF_METRICS = {
    "runway": RUNWAY,
    "removal": REMOVAL,
    "security": SECURITY,
    "alternatives": ALTERNATIVES,
    "harm": HARM,
    "support": SUPPORT,
}

# ----- drawing once per room state ---------------------------------------------------------

_rooms: weakref.WeakKeyDictionary[Any, _RoomCharts] = weakref.WeakKeyDictionary()
_rooms_lock = threading.Lock()
#: One chart built and drawn at a time in this process (matplotlib is not thread-safe; the GIL serialises it anyway).
_draw_lock = threading.RLock()


class _RoomCharts:
    """The charts of one room's current state (undo count, rounds played), each drawn once.

    The lock is held only to look up or store a chart, never while drawing: a page asking for a
    chart another page is drawing waits for that drawing alone (`pending`), and `drawn` never waits.
    """

    def __init__(self) -> None:
        """Nothing drawn yet."""
        self.state: tuple[int, int] | None = None
        self.svgs: dict[tuple, str] = {}
        self.pending: dict[tuple, threading.Event] = {}
        self.lock = threading.Lock()
        #: Charts drawn ahead: (the state they are for, the inputs of the year played ahead) and the drawings.
        self.ahead: tuple[tuple[tuple[int, int], str], dict[tuple, str]] | None = None

    def move_to(self, state: tuple[int, int], taken: str | None = None) -> bool:
        """Forget the charts of an older state (call with the lock held); False if `state` is the older one.

        `taken` names the inputs of the year Advance took from those played ahead (if any): the
        charts drawn ahead from that very year become this state's charts.
        """
        if self.state is not None and state < self.state:
            return False
        if self.state != state:
            self.state, self.svgs, self.pending = state, {}, {}
            if self.ahead is not None and taken is not None and self.ahead[0] == (state, taken):
                self.svgs = dict(self.ahead[1])
            self.ahead = None if self.ahead is not None and self.ahead[0][0] <= state else self.ahead
        return True


def _cache(room: WorkshopRoom) -> _RoomCharts:
    """The room's chart cache."""
    with _rooms_lock:
        return _rooms.setdefault(room, _RoomCharts())


def shared(room: WorkshopRoom, state: tuple[int, int], key: tuple, draw: Callable[[], Figure]) -> str:
    """The chart `key` of the room in `state` as an SVG image address, drawn by `draw` if no page has yet.

    `state` is (undo count, rounds played) as read with the results `draw` uses (`WorkshopRoom.played`).
    Pages asking together wait for the first one's drawing and share it.
    """
    cache = _cache(room)
    with cache.lock:
        if not cache.move_to(state, room.taken_ahead):
            return _drawn_svg(draw)  # a page still on an older state: draw it, keep the newer charts
        if key in cache.svgs:
            return cache.svgs[key]
        waiting = cache.pending.get(key)
        if waiting is None:
            cache.pending[key] = done = threading.Event()
    if waiting is not None:
        waiting.wait()
        with cache.lock:
            if cache.state == state and key in cache.svgs:
                return cache.svgs[key]
        return _drawn_svg(draw)  # the room moved on meanwhile: draw this page's own
    try:
        svg = _drawn_svg(draw)
        with cache.lock:
            if cache.state == state:
                cache.svgs[key] = svg
        return svg
    finally:
        done.set()


def drawn(room: WorkshopRoom, state: tuple[int, int], key: tuple) -> str | None:
    """The chart `key` of the room in `state` if a page has drawn it already, else None (never draws, never waits)."""
    cache = _cache(room)
    with cache.lock:
        if not cache.move_to(state, room.taken_ahead):
            return None
        return cache.svgs.get(key)


def draw_ahead(
    room: WorkshopRoom, state: tuple[int, int], inputs: str, results, status_quo, keep_going: Callable[[], bool]
) -> bool:
    """Draw the projector's and every team's charts of a year played ahead (`inputs` names it), for Advance to take.

    Stops without keeping anything as soon as `keep_going()` is false (the room changed again); returns
    whether the charts were drawn.
    """
    charts = {chart.key: chart for chart in _screen_charts(room, state, results, status_quo)}
    for role in room.roles.roles:
        charts |= {chart.key: chart for chart in _team_charts(room, role, state, results, status_quo)}
    svgs = {}
    for key, chart in charts.items():
        if not keep_going():
            return False
        svgs[key] = _drawn_svg(chart.draw)
    cache = _cache(room)
    with cache.lock:
        if cache.state is None or state > cache.state:
            cache.ahead = ((state, inputs), svgs)
    return True


def _drawn_svg(draw: Callable[[], Figure]) -> str:
    """Build and save a figure, one at a time in this process (matplotlib is not thread-safe)."""
    with _draw_lock:
        return svg_address(draw())


def svg_address(figure: Figure) -> str:
    """A figure as an SVG `data:` address for an image (text kept as text: small and sharp at any size)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "borrowed-time"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ----- figures from plain round summaries -----------------------------------------------------


def _years(results: dict[int, dict[str, Any]]) -> list[int]:
    """The years of the played rounds, in order."""
    return [results[r]["year"] for r in sorted(results)]


def _style_axes(axes, title: str, font: float) -> None:
    """Title, whole-year ticks, a floor at zero and light grid lines."""
    axes.set_title(title, fontsize=font, loc="left", fontweight="bold")
    axes.tick_params(labelsize=font * 0.8)
    axes.set_ylim(bottom=0, top=max(axes.get_ylim()[1], 1e-9) * 1.08)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)


def _label_line_ends(axes, ends: list[tuple[int, float, str, str]], font: float) -> None:
    """Label each line at its last point (readable from the back of a room, unlike a legend), labels kept apart."""
    low, high = axes.get_ylim()
    placed: list[tuple[float, tuple[int, float, str, str]]] = []
    for end in sorted(ends, key=lambda e: e[1]):
        share = (end[1] - low) / (high - low) if high > low else 0.0
        if placed and share < placed[-1][0] + LABEL_GAP:
            share = placed[-1][0] + LABEL_GAP
        placed.append((share, end))
    overflow = max(0.0, placed[-1][0] - 0.98) if placed else 0.0
    for share, (year, value, text, colour) in placed:
        axes.annotate(
            text,
            (year, value),
            xytext=(6, share - overflow),
            textcoords=("offset points", "axes fraction"),
            color=colour,
            fontsize=font,
            va="center",
            fontweight="bold",
        )


def metric_figure(
    metric: Metric,
    results: dict[int, dict[str, Any]],
    status_quo: dict[int, dict[str, Any]] | None,
    book: RoleBook,
    registries: tuple[str, ...] = (),
    size: tuple[float, float] = (6.4, 4.0),
    font: float = 14,
) -> Figure:
    """One metric by year: a line per registry in its catalogue colour (or one ecosystem line), status quo dashed."""
    figure = Figure(figsize=size)
    figure.subplots_adjust(
        left=0.11, right=0.97, top=0.88, bottom=0.11
    )  # fixed margins: much faster than a layout engine
    axes = figure.subplots()
    ends = _draw_metric(axes, metric, results, status_quo, book, registries)
    _style_axes(axes, metric.title, font)
    _label_line_ends(axes, ends, font * 0.85)
    return figure


def _draw_metric(axes, metric, results, status_quo, book, registries) -> list[tuple[int, float, str, str]]:
    """The metric's lines on `axes` (the room's run solid, the status quo dashed); returns the lines' ends to label."""
    years = _years(results)
    ends = []
    for name in registries if metric.per_registry else (None,):
        colour = book.catalogue[name].colour if name is not None else NEUTRAL
        values = [metric.value(results[r], name) for r in sorted(results)]
        if status_quo:
            base = [metric.value(status_quo[r], name) for r in sorted(status_quo)]
            axes.plot(_years(status_quo), base, color=colour, **STATUS_QUO_STYLE)
        axes.plot(years, values, color=colour, **ROOM_STYLE)
        ends.append((years[-1], values[-1], book.catalogue[name].label if name is not None else "this room", colour))
    if years:
        axes.set_xticks(years)  # the years played, no more
        axes.set_xlim(years[0] - 0.6, years[-1] + 1.4)  # room for the end labels
    return ends


def screen_figure(metric: Metric, results, status_quo, book: RoleBook) -> Figure:
    """A projector chart: per-registry metrics without the status quo (five lines stay legible), others with it."""
    base = None if metric.per_registry else status_quo
    return metric_figure(metric, results, base, book, book.registry_roles, size=(5.0, 3.4), font=13)


def team_metrics(role: str, book: RoleBook) -> tuple[Metric, ...]:
    """What a team's page charts: its registry's runway and removal delay, or the ecosystem's harm and alternatives."""
    return (RUNWAY, REMOVAL) if role in book.registry_roles else (HARM, ALTERNATIVES)


def annotated_figure(
    metric: Metric,
    results: dict[int, dict[str, Any]],
    status_quo: dict[int, dict[str, Any]],
    book: RoleBook,
    cards: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    start_year: int,
) -> Figure:
    """The debrief's large chart: the metric, event cards above it and numbered decision changes below, by year.

    Cards and decisions act at the start of their year, so they sit half a year before that
    year's point (which is the year's end).
    """
    roles = list(dict.fromkeys(item["role"] for item in timeline))
    figure = Figure(figsize=(11, 6.2 + 0.32 * len(roles)))
    grid = figure.add_gridspec(
        2,
        1,
        height_ratios=[5, 0.6 + 0.45 * max(len(roles), 1)],
        left=0.17,
        right=0.98,
        top=0.94,
        bottom=0.06,
        hspace=0.12,
    )
    axes = figure.add_subplot(grid[0])
    strip = figure.add_subplot(grid[1], sharex=axes)
    ends = _draw_metric(axes, metric, results, status_quo, book, book.registry_roles)
    _style_axes(axes, metric.title, 15)
    _label_line_ends(axes, ends, 12)
    top = axes.get_ylim()[1]
    for event in cards:
        when = start_year + event["round"] - 1 - 0.5
        axes.axvline(when, color="#b71c1c", linestyle=":", linewidth=1.5)
        axes.annotate(
            card_title(event["card"]),
            (when, top),
            xytext=(3, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize=10,
            color="#b71c1c",
        )
    _decision_strip(strip, roles, timeline, book, start_year)
    axes.tick_params(labelbottom=False)
    axes.text(
        0.99,
        0.01,
        "solid: this room   dashed: status quo",
        transform=axes.transAxes,
        ha="right",
        fontsize=10,
        alpha=0.7,
    )
    return figure


def _decision_strip(strip, roles: list[str], timeline: list[dict[str, Any]], book: RoleBook, start_year: int) -> None:
    """One row per role that changed its decision, a numbered marker at each change (the list beside names them)."""
    for number, item in enumerate(timeline, start=1):
        row = roles.index(item["role"])
        colour = book.catalogue[item["role"]].colour if item["role"] in book.registry_roles else NEUTRAL
        when = start_year + item["round"] - 1 - 0.5
        strip.scatter([when], [row], s=260, color=colour, zorder=3)
        strip.annotate(str(number), (when, row), ha="center", va="center", color="white", fontsize=9, weight="bold")
    strip.set_yticks(range(len(roles)), [book.labels[role] for role in roles], fontsize=10)
    strip.set_ylim(len(roles) - 0.4 if roles else 0.6, -0.6)
    strip.set_title("Decision changes (numbered as in the list)", fontsize=11, loc="left")
    strip.tick_params(labelsize=10)
    strip.grid(axis="x", alpha=0.3)
    strip.spines[["top", "right", "left"]].set_visible(False)


# ----- the room's charts, shared by its pages -------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart of a room in one state: its title, its key among the room's charts, and how to draw it."""

    title: str
    state: tuple[int, int]
    key: tuple
    draw: Callable[[], Figure]

    def address(self, room: WorkshopRoom) -> str:
        """The chart as an image address, drawn now unless a page of the room has drawn it already."""
        return shared(room, self.state, self.key, self.draw)


def screen_charts(room: WorkshopRoom) -> list[Chart]:
    """The projector's charts of the room; none before the first year."""
    return _screen_charts(room, *room.played())


def _screen_charts(room: WorkshopRoom, state: tuple[int, int], results, status_quo) -> list[Chart]:
    """The projector's charts of the room in `state`, with these results."""
    if not results:
        return []
    return [
        Chart(
            metric.title,
            state,
            ("screen", metric.key),
            lambda m=metric: screen_figure(m, results, status_quo, room.roles),
        )
        for metric in SCREEN_METRICS
    ]


def team_charts(room: WorkshopRoom, role: str) -> list[Chart]:
    """A team's charts: its own registry, or the ecosystem, against the status quo (shared by the role's pages)."""
    return _team_charts(room, role, *room.played())


def _team_charts(room: WorkshopRoom, role: str, state: tuple[int, int], results, status_quo) -> list[Chart]:
    """A team's charts of the room in `state`, with these results."""
    if not results:
        return []
    registries = (role,) if role in room.roles.registry_roles else ()
    return [
        Chart(
            metric.title,
            state,
            ("team", registries, metric.key),  # every non-registry role shares the ecosystem's charts
            lambda m=metric: metric_figure(m, results, status_quo, room.roles, registries, size=(5.6, 3.6), font=13),
        )
        for metric in team_metrics(role, room.roles)
    ]


def debrief_chart(
    room: WorkshopRoom, metric_name: str, cards: list[dict[str, Any]], timeline: list[dict[str, Any]]
) -> Chart:
    """The debrief's annotated chart of one metric, drawn once per room state."""
    state, results, status_quo = room.played()
    start_year = room.teams_run.model.p.start_year
    metric = DEBRIEF_METRICS[metric_name]
    return Chart(
        metric.title,
        state,
        ("debrief", metric_name),
        lambda: annotated_figure(metric, results, status_quo, room.roles, cards, timeline, start_year),
    )
