"""An ECharts figure that keeps the legend entries a visitor hid when its option is replaced (Solara's forgets them)."""

from __future__ import annotations

import solara
from solara.components.echarts import EchartsWidget


class LegendKeepingEcharts(EchartsWidget):
    """Solara's ECharts widget with a template that carries the legend selection across redraws."""

    template_file = (__file__, "echarts_legend.vue")


@solara.component
def FigureEcharts(option: dict, attributes: dict, responsive: bool = True) -> None:
    """One ECharts figure; a legend entry hidden with a click stays hidden when the projection redraws."""
    LegendKeepingEcharts.element(option=option, attributes=attributes, responsive=responsive)
