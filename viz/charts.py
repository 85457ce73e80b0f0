"""The explorer's charts: the current run drawn over a faint status-quo baseline, as PNG bytes.

A `ChartBoard` builds its matplotlib `Figure` (never pyplot: no global state shared between
sessions) once. The axes, labels and the baseline are drawn into a background bitmap once; an
update moves the run's lines and draws only them over that background (blitting), which keeps
a redraw within a few tens of milliseconds. An axis is rescaled, and the background redrawn,
only when the run leaves its range.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from model.catalogue import REGISTRIES
from model.profiles import RegistryCatalogue
from model.reporters import REVENUE_SOURCES
from viz.history import SUPPORT_MODES, RunHistory

SOURCE_COLOURS = dict(zip(REVENUE_SOURCES, ("tab:olive", "tab:cyan", "tab:green", "tab:red", "tab:purple", "tab:grey")))
MODE_COLOURS = ("lightgrey", "tab:orange", "tab:blue", "tab:purple")
BASELINE_ALPHA = 0.22
RUNWAY_CAP_MONTHS = 36
CHART_TITLES = (
    "Runway per registry (months)",
    "Revenue by source, all registries (USD M/year)",
    "Median removal delay (hours, log)",
    "Live malware and its downloads",
    "Developers on alternative registries (share)",
    "Corporate support mix (share of firms)",
    "Worm outbreaks (packages compromised)",
)


REVENUE_SMOOTHING_WEEKS = 13
#: Axes whose range follows the data (y range grows when the run or the baseline leaves it).
RESCALED_AXES = ("revenue", "malware", "alternatives")


def _annualised_musd(weekly_usd: list[float]) -> np.ndarray:
    """Weekly USD as millions per year, averaged over the trailing 13 weeks (invoices are lumpy)."""
    values = np.asarray(weekly_usd, dtype=float) * 52 / 1e6
    if values.size == 0:
        return values
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    window = np.minimum(np.arange(1, values.size + 1), REVENUE_SMOOTHING_WEEKS)
    return (cumulative[1:] - cumulative[np.arange(1, values.size + 1) - window]) / window


class ChartBoard:
    """The seven explorer charts in one figure, updated in place from a run and its baseline.

    Registries (one line each in the runway and removal charts, in their catalogue colours) come
    from `catalogue` (default: the shipped one).
    """

    def __init__(
        self, start_year: int, horizon_weeks: int, dpi: int = 72, catalogue: RegistryCatalogue | None = None
    ) -> None:
        """Lay out the axes and create every line, empty."""
        self.catalogue = catalogue or REGISTRIES
        self.figure = Figure(figsize=(13, 11.5), dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(4, 2)
        self.axes = dict(
            zip(("runway", "revenue", "removal", "malware", "alternatives", "support", "worms"), axes.flat)
        )
        axes.flat[-1].set_visible(False)
        for ax, title in zip(axes.flat, CHART_TITLES):
            ax.set_title(title, fontsize=10, loc="left")
            ax.set_xlim(start_year, start_year + horizon_weeks / 52)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
        self.start_year = start_year
        self.lines: dict[str, object] = {}
        self.baseline_lines: dict[str, object] = {}
        a = self.axes
        for name, colour in self.catalogue.colours.items():
            (self.lines[f"runway:{name}"],) = a["runway"].plot([], [], color=colour, label=name)
            (self.baseline_lines[f"runway:{name}"],) = a["runway"].plot(
                [], [], color=colour, alpha=BASELINE_ALPHA, lw=1
            )
            (self.lines[f"removal:{name}"],) = a["removal"].plot([], [], color=colour, lw=1, label=name)
            (self.baseline_lines[f"removal:{name}"],) = a["removal"].plot(
                [], [], color=colour, alpha=BASELINE_ALPHA, lw=1
            )
        a["runway"].set_ylim(0, RUNWAY_CAP_MONTHS)
        a["runway"].legend(fontsize=7, ncols=min(len(self.catalogue), 5), loc="upper right")
        (self.lines["removal:pooled"],) = a["removal"].plot([], [], color="black", lw=2, label="all malware")
        (self.baseline_lines["removal:pooled"],) = a["removal"].plot([], [], color="black", lw=2, alpha=BASELINE_ALPHA)
        a["removal"].set_yscale("log")
        a["removal"].set_ylim(0.1, 1000)
        a["removal"].legend(fontsize=7, ncols=3, loc="upper left")
        for source in REVENUE_SOURCES:
            colour = SOURCE_COLOURS[source]
            (self.lines[f"revenue:{source}"],) = a["revenue"].plot([], [], color=colour, label=source)
            (self.baseline_lines[f"revenue:{source}"],) = a["revenue"].plot([], [], color=colour, alpha=BASELINE_ALPHA)
        a["revenue"].legend(fontsize=7, ncols=3, loc="upper left")
        (self.lines["malware:live"],) = a["malware"].plot([], [], color="tab:red", label="live malicious packages")
        (self.baseline_lines["malware:live"],) = a["malware"].plot([], [], color="tab:red", alpha=BASELINE_ALPHA)
        (self.lines["malware:downloads"],) = a["malware"].plot(
            [], [], color="tab:brown", label="malware downloads per week"
        )
        (self.baseline_lines["malware:downloads"],) = a["malware"].plot([], [], color="tab:brown", alpha=BASELINE_ALPHA)
        a["revenue"].set_yscale("log")
        a["revenue"].set_ylim(0.1, 1000)
        a["malware"].set_yscale("log")
        a["malware"].set_ylim(100, 1e9)
        a["malware"].legend(fontsize=7, loc="upper left")
        (self.lines["alternatives"],) = a["alternatives"].plot([], [], color="tab:purple", label="this run")
        (self.baseline_lines["alternatives"],) = a["alternatives"].plot(
            [], [], color="tab:purple", alpha=BASELINE_ALPHA, label="status quo"
        )
        a["alternatives"].set_ylim(0, 0.05)
        a["alternatives"].legend(fontsize=7, loc="upper left")
        for mode, colour in zip(SUPPORT_MODES, MODE_COLOURS):
            (self.lines[f"support:{mode}"],) = a["support"].plot(
                [], [], color=colour if mode != "none" else "black", label=mode
            )
            (self.baseline_lines[f"support:{mode}"],) = a["support"].plot(
                [], [], color=colour if mode != "none" else "black", alpha=BASELINE_ALPHA
            )
        a["support"].set_ylim(0, 1)
        a["support"].legend(fontsize=7, ncols=4, loc="center right")
        self.worm_points = a["worms"].scatter([], [], s=30, color="tab:red", label="this run", zorder=3)
        self.baseline_worm_points = a["worms"].scatter(
            [], [], s=30, color="tab:red", alpha=BASELINE_ALPHA, label="status quo"
        )
        a["worms"].set_yscale("log")
        a["worms"].set_ylim(1, 30_000)
        a["worms"].legend(fontsize=7, loc="upper left")
        self._baseline_drawn: int | None = None
        for artist in [*self.lines.values(), self.worm_points]:
            artist.set_animated(True)  # drawn over the cached background, not with it
        self.canvas.draw()  # settle the constrained layout once, then freeze it
        self.figure.set_layout_engine("none")
        self._background = None

    def _series(self, history: RunHistory) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every line's data from a history."""
        t = history.years
        series = {}
        for name in self.catalogue.names:
            series[f"runway:{name}"] = (t, np.minimum(history.runway_months[name], RUNWAY_CAP_MONTHS))
            series[f"removal:{name}"] = (t, history.removal_median_hours[name])
        series["removal:pooled"] = (t, history.removal_median_hours_pooled)
        for source in REVENUE_SOURCES:
            series[f"revenue:{source}"] = (t, _annualised_musd(history.revenue_usd[source]))
        series["malware:live"] = (t, history.malware_live)
        series["malware:downloads"] = (t, history.malware_downloads)
        series["alternatives"] = (t, history.share_developers_on_alternatives)
        for mode in SUPPORT_MODES:
            series[f"support:{mode}"] = (t, history.support_share[mode])
        return series

    def _worm_offsets(self, history: RunHistory) -> np.ndarray:
        """Worm outbreaks as (year, packages) points."""
        if not history.worms:
            return np.empty((0, 2))
        weeks, packages = np.array(history.worms, dtype=float).T
        return np.column_stack([self.start_year + (weeks - 1) / 52, np.maximum(packages, 1)])

    def update(self, history: RunHistory, baseline: RunHistory | None) -> None:
        """Move every line to the run's (and, once, the baseline's) data; rescale only if needed."""
        if baseline is not None and self._baseline_drawn != id(baseline):
            base_series = self._series(baseline)
            for key, (x, y) in base_series.items():
                self.baseline_lines[key].set_data(x, y)
            self.baseline_worm_points.set_offsets(self._worm_offsets(baseline))
            self._baseline_drawn = id(baseline)
            self._fit(base_series)
            self._background = None
        series = self._series(history)
        for key, (x, y) in series.items():
            self.lines[key].set_data(x, y)
        self.worm_points.set_offsets(self._worm_offsets(history))
        if self._fit(series):
            self._background = None

    def _fit(self, series: dict[str, tuple[np.ndarray, np.ndarray]]) -> bool:
        """Widen the rescaled axes to hold `series`; return whether any range changed."""
        changed = False
        for axis_name in RESCALED_AXES:
            ax = self.axes[axis_name]
            values = [np.asarray(y, dtype=float) for key, (_, y) in series.items() if key.split(":")[0] == axis_name]
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
        """The figure as PNG bytes: the cached background with the run's lines drawn over it."""
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
        for artist in [*self.lines.values(), self.worm_points]:
            artist.set_animated(False)
        try:
            buffer = io.BytesIO()
            self.figure.savefig(buffer, format="png", dpi=dpi)
            return buffer.getvalue()
        finally:
            for artist in [*self.lines.values(), self.worm_points]:
                artist.set_animated(True)
            self._background = None
