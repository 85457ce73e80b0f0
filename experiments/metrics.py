"""Named outcomes of a run: final values and yearly series computed from a `RunResult`.

An outcome name is one of:

- a derived metric listed in `DERIVED` (for example `insolvencies`);
- a model column (`docs/outputs.md`, section 1), optionally with an aggregation suffix:
  `total_cash_usd` (value in the last week), `malware_downloads.sum`, `.mean`, `.max`, `.min`,
  `.last`;
- a registry column as `<registry>.<column>[.<aggregation>]`, for example
  `npm.removal_median_hours.mean`, or `incumbents.<column>[...]` for the sum over the five
  incumbents.

As a final value the aggregation runs over the whole run; as a yearly series it runs over each
calendar year (`.last`, the default, is the value in the year's last week).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR
from model.parameters import ParameterError
from model.reporters import MODEL_REPORTERS, REGISTRY_REPORTERS
from model.runner import RunResult

AGGREGATIONS = ("last", "sum", "mean", "max", "min")
MODEL_COLUMNS = tuple(name for name in MODEL_REPORTERS if name not in ("time", "year"))
REGISTRY_COLUMNS = tuple(
    name for name in REGISTRY_REPORTERS if name not in ("time", "year", "registry", "kind", "status")
)


def _insolvencies(result: RunResult) -> float:
    """Insolvency events (incumbents that ran out of money) in the run."""
    return float((result.events["kind"] == "insolvency").sum())


def _incumbents_runway_falling(result: RunResult) -> float:
    """Incumbents whose runway in the last week is below their runway in the first week."""
    panel = result.registries[result.registries["kind"] == "incumbent"]
    first = panel[panel["time"] == panel["time"].min()].set_index("registry")["runway_months"]
    last = panel[panel["time"] == panel["time"].max()].set_index("registry")["runway_months"]
    return float((last < first.reindex(last.index)).sum())


def _worm_packages(result: RunResult) -> float:
    """Packages compromised by all worm outbreaks in the run."""
    return float(result.worms["packages_compromised"].sum())


def _worm_largest(result: RunResult) -> float:
    """Packages compromised by the largest worm outbreak (0 when there was none)."""
    return float(result.worms["packages_compromised"].max()) if len(result.worms) else 0.0


def _worm_maintainers(result: RunResult) -> float:
    """Maintainers whose tokens were stolen, over all outbreaks."""
    return float(result.worms["maintainers_compromised"].sum())


def _years_to_insolvency(result: RunResult, registry: str | None = None) -> float:
    """Years from the start to the first insolvency (of incumbent `registry`, or of any); the run length if none."""
    events = result.events[result.events["kind"] == "insolvency"]
    if registry is not None:
        events = events[events["registry"] == registry]
    if events.empty:
        return float(result.years)  # censored at the horizon
    return float(events["time"].min()) / WEEKS_PER_YEAR


def _revenue_volatility(result: RunResult) -> float:
    """Mean over registries of the std of log year-on-year changes of donation plus opex revenue."""
    yearly = (
        result.registries.groupby(["registry", "year"])[["revenue_donation_usd", "revenue_opex_usd"]]
        .sum()
        .sum(axis=1)
        .unstack("year")
    )
    changes = np.log(yearly.where(yearly > 0)).diff(axis=1)
    spread = changes.std(axis=1)
    return float(spread.mean()) if spread.notna().any() else float("nan")


DERIVED: dict[str, Callable[[RunResult], float]] = {
    "insolvencies": _insolvencies,
    "incumbents_runway_falling": _incumbents_runway_falling,
    "worm_packages_compromised": _worm_packages,
    "worm_largest_outbreak_packages": _worm_largest,
    "worm_maintainers_compromised": _worm_maintainers,
    "revenue_volatility": _revenue_volatility,
    "years_to_first_insolvency": _years_to_insolvency,
    **{
        f"years_to_insolvency_{name}": functools.partial(_years_to_insolvency, registry=name)
        for name in REGISTRIES.names
    },
}


@dataclass(frozen=True)
class Metric:
    """A parsed outcome name: which frame, which registry (if any), which column, which aggregation."""

    name: str
    column: str
    aggregation: str = "last"
    registry: str | None = None  # None: model frame; "incumbents": sum over incumbents

    def weekly(self, result: RunResult) -> pd.DataFrame:
        """The weekly values as a frame with columns year, value."""
        if self.registry is None:
            frame = result.model[["time", "year", self.column]]
        else:
            panel = result.registries
            if self.registry == "incumbents":
                panel = panel[panel["kind"] == "incumbent"]
            else:
                panel = panel[panel["registry"] == self.registry]
            frame = panel.groupby(["time", "year"], as_index=False)[self.column].sum()
        return frame.rename(columns={self.column: "value"}).sort_values("time")

    def final(self, result: RunResult) -> float:
        """The metric aggregated over the whole run (NaN when the registry never existed)."""
        values = self.weekly(result)["value"].astype(float)
        return _aggregate(values, self.aggregation)

    def yearly(self, result: RunResult) -> pd.Series:
        """The metric aggregated over each calendar year, indexed by year."""
        weekly = self.weekly(result)
        return weekly.groupby("year")["value"].agg(lambda v: _aggregate(v.astype(float), self.aggregation))


def _aggregate(values: pd.Series, aggregation: str) -> float:
    """Aggregate a weekly series; NaN for an empty one."""
    if values.empty:
        return float("nan")
    if aggregation == "last":
        return float(values.iloc[-1])
    return float(getattr(values, aggregation)())


def parse_metric(name: str) -> Metric:
    """Parse an outcome name, raising a one-line `ParameterError` naming what is allowed."""
    parts = name.split(".")
    aggregation = "last"
    if len(parts) > 1 and parts[-1] in AGGREGATIONS:
        aggregation = parts.pop()
    if len(parts) == 1:
        if parts[0] not in MODEL_COLUMNS:
            raise ParameterError(
                f"unknown outcome {name!r}; use a derived metric ({', '.join(DERIVED)}), a model column "
                f"(see docs/outputs.md), or <registry>.<column>, with an optional .{'/.'.join(AGGREGATIONS)}"
            )
        return Metric(name, parts[0], aggregation)
    if len(parts) == 2:
        registry, column = parts
        if registry not in (*REGISTRIES.registry_names, "incumbents"):
            raise ParameterError(
                f"outcome {name!r}: unknown registry {registry!r}; allowed: incumbents, "
                f"{', '.join(REGISTRIES.registry_names)}"
            )
        if column not in REGISTRY_COLUMNS:
            raise ParameterError(
                f"outcome {name!r}: unknown registry column {column!r} (see docs/outputs.md, section 2)"
            )
        return Metric(name, column, aggregation, registry)
    raise ParameterError(f"outcome {name!r}: expected <column>, <registry>.<column>, with an optional .<aggregation>")


def check_outcome(name: str, yearly: bool) -> None:
    """Validate an outcome name for final values (derived metrics allowed) or yearly series."""
    if name in DERIVED:
        if yearly:
            raise ParameterError(f"outcome {name!r} is a whole-run metric and cannot be a yearly series")
        return
    parse_metric(name)


def final_value(name: str, result: RunResult) -> float:
    """The final value of one named outcome."""
    if name in DERIVED:
        return DERIVED[name](result)
    return parse_metric(name).final(result)


def yearly_series(name: str, result: RunResult) -> pd.Series:
    """The yearly series of one named outcome, indexed by calendar year."""
    return parse_metric(name).yearly(result)
