"""The explorer's PNG export: the projection's charts as on the page, with a title and the scenario's levers.

One panel per entry of `viz.charts.CHARTS`: each series' median over its 10 to 90% band, the
status quo dashed grey over a grey band, events as points. Drawn with matplotlib's `Figure`
(never pyplot: nothing shared between sessions) at a modest resolution, so it is ready in about
a second.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.profiles import RegistryCatalogue
from viz.chart_options import BASELINE_COLOUR
from viz.charts import CHARTS, COLUMNS, Chart
from viz.projection import Projection

PANEL_HEIGHT_INCHES = 3.0


def projection_png(
    title: str,
    lever_lines: Sequence[str],
    catalogue: RegistryCatalogue,
    projection: Projection | None,
    status_quo: Projection | None,
    charts: Sequence[Chart] = CHARTS,
    dpi: int = 90,
) -> bytes:
    """The projection's charts as PNG bytes, titled, with the scenario's lever values listed underneath."""
    rows = math.ceil(len(charts) / COLUMNS)
    figure = Figure(figsize=(14, PANEL_HEIGHT_INCHES * rows + 1.2), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    grid = list(figure.subplots(rows, COLUMNS, squeeze=False).flat)
    for unused in grid[len(charts) :]:
        unused.set_visible(False)
    for chart, ax in zip(charts, grid):
        _panel(ax, chart, catalogue, projection, status_quo)
    figure.suptitle(title, fontsize=14, x=0.01, ha="left")
    figure.supxlabel("\n".join(lever_lines) or "levers: as the preset", fontsize=9, x=0.01, ha="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel(
    ax, chart: Chart, catalogue: RegistryCatalogue, projection: Projection | None, status_quo: Projection | None
):
    """One chart: the scenario's bands and medians over the status quo's."""
    ax.set_title(chart.heading, fontsize=11, loc="left")
    ax.tick_params(labelsize=9)
    ax.grid(alpha=0.3)
    if chart.log:
        ax.set_yscale("log")
    for item in chart.series(catalogue):
        key = f"{chart.key}:{item.label}"
        for source, colour, dashed in ((status_quo, BASELINE_COLOUR, True), (projection, item.colour, False)):
            if source is None:
                continue
            if item.points:
                x, y = source.points(key)
                ax.scatter(x, y, s=14, color=colour, alpha=0.6, label=None if dashed else item.label)
                continue
            band = source.band(key)
            if band is None:
                continue
            ax.fill_between(band.x, band.low, band.high, color=colour, alpha=0.12 if dashed else 0.2, lw=0)
            ax.plot(
                band.x,
                band.median,
                color=colour,
                lw=1.2 if dashed else 1.8,
                ls="--" if dashed else "-",
                label=None if dashed else item.label,
            )
    if not chart.rescale:
        ax.set_ylim(*chart.y_range)
    ax.legend(fontsize=8, ncols=min(5, len(chart.series(catalogue))), loc=chart.legend_loc)
