"""The explorer's headline outcomes: one table of entries, each a number computed from a run's history.

A headline is one entry of `HEADLINES`: its title, units, how to format it, which direction is
better, and its value for one run (from the columns of the run's frames, `docs/outputs.md`). The
page shows each over the projection's members (median and 10 to 90% range) against the status
quo with the same seeds. "Money raised" also says from whom: `MONEY_SOURCES`, one headline each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.model import WEEKS_PER_YEAR
from model.reporters import REVENUE_SOURCES
from viz.history import RunHistory

#: Revenue that counts as money raised (the steward's own budget does not).
MONEY_SOURCES = tuple(source for source in REVENUE_SOURCES if source != "steward")


@dataclass(frozen=True)
class Headline:
    """One headline outcome: title, units, format, whether more is better, and its value for one run."""

    key: str
    title: str
    units: str
    value: Callable[[RunHistory], float]
    fmt: str = "{:,.1f}"
    higher_is_better: bool | None = True  # None: neither direction is better

    def show(self, value: float) -> str:
        """A value as the page shows it (a dash when missing)."""
        return "–" if value is None or not np.isfinite(value) else self.fmt.format(value)


def final_year(values: np.ndarray) -> np.ndarray:
    """The last 52 recorded weeks of a weekly column."""
    return np.asarray(values, dtype=float)[-WEEKS_PER_YEAR:]


def registries_solvent(history: RunHistory) -> float:
    """Incumbent registries not shut down in the run's final week."""
    return float(sum(1 for name in history.registries if _last_status(history, name) not in (None, "shut_down")))


def _last_status(history: RunHistory, name: str) -> str | None:
    """A registry's status in the last recorded week."""
    statuses = history.by_registry[name].get("status", [])
    return statuses[-1] if statuses else None


def ecosystem_harm_musd(history: RunHistory) -> float:
    """Harm to corporations over the whole run, USD millions."""
    return float(np.nansum(history.metric("corporate_harm_usd")) / 1e6)


def alternatives_share_pct(history: RunHistory) -> float:
    """Share of developers on alternative registries in the final week, in percent."""
    share = history.metric("share_developers_on_alternatives")
    return float(share[-1] * 100) if share.size else float("nan")


def removal_delay_hours(history: RunHistory) -> float:
    """Pooled median removal delay over the final year, hours (median of the weekly values)."""
    values = final_year(history.metric("removal_median_hours_pooled"))
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")


def money_raised_musd(sources: tuple[str, ...]) -> Callable[[RunHistory], float]:
    """Revenue from `sources` over the final year, all registries, USD millions."""
    return lambda history: float(
        sum(np.nansum(final_year(history.total(f"revenue_{source}_usd"))) for source in sources) / 1e6
    )


#: The headline outcomes, in the order they are shown.
HEADLINES: tuple[Headline, ...] = (
    Headline("solvent", "Registries solvent at the end", "of the incumbents", registries_solvent, fmt="{:.0f}"),
    Headline(
        "harm", "Ecosystem harm", "USD M over the run", ecosystem_harm_musd, fmt="{:,.0f}", higher_is_better=False
    ),
    Headline(
        "alternatives",
        "Developers on alternatives",
        "% at the end",
        alternatives_share_pct,
        fmt="{:.1f}",
        higher_is_better=None,
    ),
    Headline(
        "removal",
        "Pooled removal delay",
        "hours, final year",
        removal_delay_hours,
        fmt="{:.1f}",
        higher_is_better=False,
    ),
    Headline("money", "Money raised", "USD M in the final year", money_raised_musd(MONEY_SOURCES), fmt="{:,.1f}"),
    *(
        Headline(f"money_{source}", f"from {source.replace('_', ' ')}", "USD M", money_raised_musd((source,)))
        for source in MONEY_SOURCES
    ),
)
#: The headlines shown as cards (the money's sources are shown inside the money card).
CARDS = tuple(headline for headline in HEADLINES if not headline.key.startswith("money_"))
