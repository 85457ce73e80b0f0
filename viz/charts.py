"""The explorer's charts: one table of chart entries, drawn for the current run over a faint status-quo baseline.

A chart is one entry of `CHARTS`: its title, units, y range and what it plots, as series of
columns of the run's frames (`docs/outputs.md`) recorded by `viz.history.RunHistory`: a model
column (`metric`), a registries column per incumbent in its catalogue colour (`per_registry`) or
summed over every registry (`total`), or the worm outbreaks as points. The figure has as many
panels as entries, two to a row.

A `ChartBoard` builds its matplotlib `Figure` (never pyplot: no global state shared between
sessions) once. The axes, labels and the baseline are drawn into a background bitmap once; an
update moves the run's artists and draws only them over that background (blitting), which keeps
a redraw within a few tens of milliseconds. An axis is rescaled, and the background redrawn,
only when the run leaves its range.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from model.catalogue import REGISTRIES
from model.profiles import RegistryCatalogue
from model.reporters import REVENUE_SOURCES
from viz.history import SUPPORT_MODES, RunHistory

BASELINE_ALPHA = 0.22
RUNWAY_CAP_MONTHS = 36
REVENUE_SMOOTHING_WEEKS = 13
COLUMNS = 2
PANEL_HEIGHT_INCHES = 2.9
SOURCE_COLOURS = dict(
    zip(
        REVENUE_SOURCES,
        (
            "tab:olive",
            "tab:cyan",
            "tab:green",
            "tab:red",
            "gold",
            "tab:purple",
            "teal",
            "tab:pink",
            "tab:blue",
            "tab:brown",  # grey is the status quo's
            "darkkhaki",
        ),
        strict=True,
    )
)
MODE_COLOURS = dict(zip(SUPPORT_MODES, ("black", "tab:orange", "tab:blue", "tab:purple")))

XY = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Series:
    """One line (or set of points) of a chart: its legend label, colour, and its data from a run's history."""

    label: str
    colour: str
    data: Callable[[RunHistory], XY]  # (x in calendar years, y)
    width: float = 1.5
    points: bool = False  # drawn as points (one per event) rather than a line


@dataclass(frozen=True)
class Chart:
    """One panel of the explorer: what it plots (series for a registry catalogue), its title, units and y range."""

    key: str
    title: str
    units: str
    series: Callable[[RegistryCatalogue], Sequence[Series]]
    y_range: tuple[float, float]
    log: bool = False
    rescale: bool = False  # widen the y range when the run or the baseline leaves it
    legend_loc: str = "upper left"
    legend_columns: int = 3

    @property
    def heading(self) -> str:
        """The panel's title with its units."""
        return f"{self.title} ({self.units})"


def line(label: str, colour: str, values: Callable[[RunHistory], np.ndarray], width: float = 1.5) -> Series:
    """A series drawn as a line over the recorded weeks."""
    return Series(label, colour, lambda history: (history.years, values(history)), width)


def metric(column: str, scale: float = 1.0) -> Callable[[RunHistory], np.ndarray]:
    """A model-frame column (times `scale`)."""
    return lambda history: history.metric(column) * scale


def total(column: str, scale: float = 1.0) -> Callable[[RunHistory], np.ndarray]:
    """A registries-frame column summed over every registry (times `scale`)."""
    return lambda history: history.total(column) * scale


def per_registry(
    column: str, cap: float | None = None, width: float = 1.5
) -> Callable[[RegistryCatalogue], tuple[Series, ...]]:
    """One line per incumbent registry in its catalogue colour: a registries-frame column, optionally capped."""

    def values(name: str) -> Callable[[RunHistory], np.ndarray]:
        """The column for one registry."""
        if cap is None:
            return lambda history: history.registry(name, column)
        return lambda history: np.minimum(history.registry(name, column), cap)

    return lambda catalogue: tuple(
        line(name, colour, values(name), width) for name, colour in catalogue.colours.items()
    )


def annualised_musd(weekly_usd: np.ndarray) -> np.ndarray:
    """Weekly USD as millions per year, averaged over the trailing 13 weeks (invoices are lumpy)."""
    values = np.asarray(weekly_usd, dtype=float) * 52 / 1e6
    if values.size == 0:
        return values
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    window = np.minimum(np.arange(1, values.size + 1), REVENUE_SMOOTHING_WEEKS)
    return (cumulative[1:] - cumulative[np.arange(1, values.size + 1) - window]) / window


def worm_points(history: RunHistory) -> XY:
    """Worm outbreaks as (start year, packages compromised) points."""
    weeks = np.array([row["start_time"] for row in history.worms], dtype=float)
    packages = np.array([row["packages_compromised"] for row in history.worms], dtype=float)
    return history.year_of(weeks), np.maximum(packages, 1)


#: The explorer's charts, in the order they are shown (left to right, then down).
CHARTS: tuple[Chart, ...] = (
    Chart(
        "runway",
        "Runway per registry",
        "months",
        per_registry("runway_months", cap=RUNWAY_CAP_MONTHS),
        y_range=(0, RUNWAY_CAP_MONTHS),
        legend_loc="upper right",
        legend_columns=5,
    ),
    Chart(
        "revenue",
        "Revenue by source, all registries",
        "USD M/year",
        lambda catalogue: tuple(
            line(source, SOURCE_COLOURS[source], lambda h, s=source: annualised_musd(h.total(f"revenue_{s}_usd")))
            for source in REVENUE_SOURCES
        ),
        y_range=(0.1, 1000),
        log=True,
        rescale=True,
    ),
    Chart(
        "removal",
        "Median removal delay",
        "hours, log",
        lambda catalogue: (
            *per_registry("removal_median_hours", width=1)(catalogue),
            line("all malware", "black", metric("removal_median_hours_pooled"), width=2),
        ),
        y_range=(0.1, 1000),
        log=True,
    ),
    Chart(
        "malware",
        "Live malware and its downloads",
        "packages; downloads per week",
        lambda catalogue: (
            line("live malicious packages", "tab:red", total("malware_live")),
            line("malware downloads per week", "tab:brown", metric("malware_downloads")),
        ),
        y_range=(100, 1e9),
        log=True,
        rescale=True,
    ),
    Chart(
        "alternatives",
        "Developers on alternative registries",
        "share",
        lambda catalogue: (line("this run", "tab:purple", metric("share_developers_on_alternatives")),),
        y_range=(0, 0.05),
        rescale=True,
    ),
    Chart(
        "support",
        "Corporate support mix",
        "share of firms",
        lambda catalogue: tuple(
            line(mode, MODE_COLOURS[mode], metric(f"support_share_{mode}")) for mode in SUPPORT_MODES
        ),
        y_range=(0, 1),
        legend_loc="center right",
        legend_columns=4,
    ),
    Chart(
        "worms",
        "Worm outbreaks",
        "packages compromised",
        lambda catalogue: (Series("this run", "tab:red", worm_points, points=True),),
        y_range=(1, 30_000),
        log=True,
    ),
)


class ChartBoard:
    """The explorer's charts (`charts`, default `CHARTS`) in one figure, updated in place from a run and its baseline.

    Per-registry series (one line each, in catalogue colours) come from `catalogue` (default:
    the shipped one). The run's artists are keyed `"<chart key>:<series label>"` in `lines`.
    """

    def __init__(
        self,
        start_year: int,
        horizon_weeks: int,
        dpi: int = 72,
        catalogue: RegistryCatalogue | None = None,
        charts: Sequence[Chart] = CHARTS,
    ) -> None:
        """Lay out one panel per chart and create every artist, empty."""
        self.catalogue = catalogue or REGISTRIES
        self.charts = tuple(charts)
        if len({chart.key for chart in self.charts}) != len(self.charts):
            raise ValueError(f"chart keys must be unique: {[chart.key for chart in self.charts]}")
        rows = math.ceil(len(self.charts) / COLUMNS)
        self.figure = Figure(figsize=(13, PANEL_HEIGHT_INCHES * rows + 0.1), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        grid = list(self.figure.subplots(rows, COLUMNS, squeeze=False).flat)
        self.axes = {chart.key: ax for chart, ax in zip(self.charts, grid)}
        for unused in grid[len(self.charts) :]:  # an odd number of charts leaves the last place empty
            unused.set_visible(False)
        self.series = {chart.key: tuple(chart.series(self.catalogue)) for chart in self.charts}
        self.lines: dict[str, object] = {}
        self.baseline_lines: dict[str, object] = {}
        for chart in self.charts:
            self._lay_out(chart, start_year, horizon_weeks)
        self._baseline_drawn: int | None = None
        for artist in self.lines.values():
            artist.set_animated(True)  # drawn over the cached background, not with it
        self.canvas.draw()  # settle the constrained layout once, then freeze it
        self.figure.set_layout_engine("none")
        self._background = None

    def _lay_out(self, chart: Chart, start_year: int, horizon_weeks: int) -> None:
        """One panel: title, axes ranges, an artist for each series in the run and in the baseline, legend."""
        ax = self.axes[chart.key]
        ax.set_title(chart.heading, fontsize=10, loc="left")
        ax.set_xlim(start_year, start_year + horizon_weeks / 52)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        series = self.series[chart.key]
        for item in series:
            key = f"{chart.key}:{item.label}"
            faint = {"alpha": BASELINE_ALPHA, "label": "status quo" if len(series) == 1 else None}
            if item.points:
                self.lines[key] = ax.scatter([], [], s=30, color=item.colour, label=item.label, zorder=3)
                self.baseline_lines[key] = ax.scatter([], [], s=30, color=item.colour, **faint)
            else:
                (self.lines[key],) = ax.plot([], [], color=item.colour, lw=item.width, label=item.label)
                (self.baseline_lines[key],) = ax.plot([], [], color=item.colour, lw=item.width, **faint)
        if chart.log:
            ax.set_yscale("log")
        ax.set_ylim(*chart.y_range)
        ax.legend(fontsize=7, ncols=min(len(series), chart.legend_columns), loc=chart.legend_loc)

    def _data(self, history: RunHistory) -> dict[str, XY]:
        """Every artist's data from a history."""
        return {
            f"{chart.key}:{item.label}": item.data(history) for chart in self.charts for item in self.series[chart.key]
        }

    @staticmethod
    def _set(artist: object, x: np.ndarray, y: np.ndarray) -> None:
        """Move a line or a set of points to new data."""
        if hasattr(artist, "set_offsets"):
            artist.set_offsets(np.column_stack([x, y]) if len(x) else np.empty((0, 2)))
        else:
            artist.set_data(x, y)

    def update(self, history: RunHistory, baseline: RunHistory | None) -> None:
        """Move every artist to the run's (and, once, the baseline's) data; rescale only if needed."""
        if baseline is not None and self._baseline_drawn != id(baseline):
            base_data = self._data(baseline)
            for key, (x, y) in base_data.items():
                self._set(self.baseline_lines[key], x, y)
            self._baseline_drawn = id(baseline)
            self._fit(base_data)
            self._background = None
        data = self._data(history)
        for key, (x, y) in data.items():
            self._set(self.lines[key], x, y)
        if self._fit(data):
            self._background = None

    def _fit(self, data: dict[str, XY]) -> bool:
        """Widen the rescaled charts' y ranges to hold `data`; return whether any range changed."""
        changed = False
        for chart in self.charts:
            if not chart.rescale:
                continue
            ax = self.axes[chart.key]
            values = [np.asarray(y, dtype=float) for key, (_, y) in data.items() if key.split(":")[0] == chart.key]
            values = np.concatenate(values) if values else np.empty(0)
            values = values[np.isfinite(values) & (values > 0)]
            if values.size == 0:
                continue
            low, high = ax.get_ylim()
            if ax.get_yscale() == "log":
                new_low = min(low, 10 ** np.floor(np.log10(values.min())))
                new_high = max(high, 10 ** np.ceil(np.log10(values.max() * 1.5)))
            else:
                new_low, new_high = low, max(high, values.max() * 1.5)
            if (new_low, new_high) != (low, high):
                ax.set_ylim(new_low, new_high)
                changed = True
        return changed

    def frame(self) -> bytes:
        """The figure as JPEG bytes for the live page (about ten times faster to encode than PNG)."""
        self._draw_run()
        buffer = io.BytesIO()
        self._image().convert("RGB").save(buffer, format="jpeg", quality=90, subsampling=0)
        return buffer.getvalue()

    def png(self) -> bytes:
        """The figure as PNG bytes: the cached background with the run's artists drawn over it."""
        self._draw_run()
        buffer = io.BytesIO()
        self._image().save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _image(self) -> Image.Image:
        """The canvas as a PIL image (no copy)."""
        width, height = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())

    def _draw_run(self) -> None:
        """Restore (or first draw) the background, then draw the run's artists over it."""
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for ax in self.axes.values():
            for artist in ax.get_children():
                if artist.get_animated() and artist.get_visible():
                    ax.draw_artist(artist)

    def full_png(self, dpi: int = 110) -> bytes:
        """The whole figure drawn afresh at a print resolution (for export)."""
        for artist in self.lines.values():
            artist.set_animated(False)
        try:
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=dpi)
            return buffer.getvalue()
        finally:
            for artist in self.lines.values():
                artist.set_animated(True)
            self._background = None
