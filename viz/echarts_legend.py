"""An ECharts figure that keeps the legend entries a visitor hid when its option is replaced (Solara's forgets them).

Its option travels as one JSON text (`option_json`), not as a dictionary: the page's renderer walks every
list and dictionary passed to a widget, point by point, at every render of the panel around it (about
half a million values for the seven charts); a text is one value to it.
"""

from __future__ import annotations

import json
from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget


class LegendKeepingEcharts(EchartsWidget):
    """Solara's ECharts widget with a template that carries the legend selection across redraws."""

    template_file = (__file__, "echarts_legend.vue")
    option_json = traitlets.Unicode("").tag(sync=True)


def option_text(option: dict[str, Any]) -> str:
    """An ECharts option as compact JSON (no NaN: gaps are null already)."""
    return json.dumps(option, separators=(",", ":"), allow_nan=False)


@solara.component
def FigureEcharts(option_json: str, attributes: dict, responsive: bool = True) -> None:
    """One ECharts figure drawn from its option as JSON; a legend entry hidden with a click stays hidden on redraws."""
    LegendKeepingEcharts.element(option_json=option_json, attributes=attributes, responsive=responsive)
