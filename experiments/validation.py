"""The hindcast's targets and how the model is scored against them (`borrowed-time validate`).

The targets are one table, `experiments/targets/validation.toml`: one entry per target (metric,
observed value, source, band, label). `METRICS` computes each metric for one seed of a `history`
ensemble; `score` puts the seeds together: the median and the 10-90% range, the seeds inside the
band, pass or fail. The same file lists the figures used to calibrate, which cannot count as
validation.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from model.parameters import ModelParameters, ParameterError

WEEKS_PER_YEAR = 52
FAILED = ("degraded", "read_only", "shut_down")  # rate-limiting, read-only, insolvent
LABELS = ("independent", "related", "calibrated")
BAND_KINDS = ("relative", "factor", "points", "at_least", "at_most", "range")


@dataclass(frozen=True)
class Band:
    """Where a metric must lie: [low, high] (either may be infinite)."""

    kind: str
    low: float
    high: float

    def holds(self, value: float) -> bool:
        """Whether `value` lies in the band (NaN never does)."""
        return bool(self.low <= value <= self.high)

    def text(self, unit: str) -> str:
        """The band in words, with its unit."""
        if math.isinf(self.high):
            return f">= {fmt(self.low, unit)}"
        if math.isinf(self.low):
            return f"<= {fmt(self.high, unit)}"
        return f"{fmt(self.low, unit)} to {fmt(self.high, unit)}"


@dataclass(frozen=True)
class Target:
    """One observed figure the hindcast must retell."""

    id: str
    description: str
    metric: str
    observed: float
    unit: str
    source: str
    label: str
    band: Band
    seeds_needed: float | None = None  # share of seeds that must lie in the band (None: the median only)
    shown: str = ""  # the observed value as the source puts it

    @property
    def observed_text(self) -> str:
        """The observed value as shown in the report."""
        return self.shown or fmt(self.observed, self.unit)


@dataclass(frozen=True)
class Calibration:
    """A figure the model was calibrated to (a parameter set from it): not validation."""

    figure: str
    source: str
    sets: str  # the parameter or input it sets


@dataclass(frozen=True)
class Score:
    """A target's result over the seeds."""

    target: Target
    values: tuple[float, ...]  # one per seed, in seed order

    @property
    def median(self) -> float:
        """Median over seeds."""
        return float(np.nanmedian(self.values)) if not np.all(np.isnan(self.values)) else float("nan")

    @property
    def low(self) -> float:
        """10th percentile over seeds."""
        return float(np.nanpercentile(self.values, 10)) if not np.all(np.isnan(self.values)) else float("nan")

    @property
    def high(self) -> float:
        """90th percentile over seeds."""
        return float(np.nanpercentile(self.values, 90)) if not np.all(np.isnan(self.values)) else float("nan")

    @property
    def seeds_in_band(self) -> int:
        """Seeds whose value lies in the band."""
        return sum(self.target.band.holds(value) for value in self.values)

    @property
    def seeds_with_value(self) -> int:
        """Seeds in which the metric is defined (not NaN: e.g. a registry that had shut down has no removals)."""
        return int(np.sum(~np.isnan(self.values)))

    @property
    def passed(self) -> bool:
        """Defined in most seeds, the median in the band, and (if asked) enough seeds in it too."""
        if 2 * self.seeds_with_value <= len(self.values) or not self.target.band.holds(self.median):
            return False
        needed = self.target.seeds_needed
        return needed is None or self.seeds_in_band >= math.ceil(needed * len(self.values) - 1e-9)


def fmt(value: float, unit: str = "") -> str:
    """A number for the report: shares as percentages, large counts with T/B/M/k, others to 3 figures."""
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if unit in ("share", "share of seeds"):
        return f"{value:.1%}"
    magnitude = abs(value)
    for scale, suffix in ((1e12, " T"), (1e9, " B"), (1e6, " M")):
        if magnitude >= scale:
            return f"{value / scale:.3g}{suffix}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" + (f" {unit}" if unit in ("hours",) else "")


# ----- the table ---------------------------------------------------------------------------------
def targets_text() -> str:
    """The shipped targets table (TOML)."""
    return (resources.files("experiments") / "targets" / "validation.toml").read_text()


def load_targets(text: str | None = None) -> tuple[list[Target], list[Calibration]]:
    """The targets and the calibration list from the table (default: the shipped one); one-line errors."""
    origin = "validation targets"
    try:
        table = tomllib.loads(targets_text() if text is None else text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{origin}: malformed TOML ({exc})") from None
    targets = [_target(entry, f"{origin}, target {i + 1}") for i, entry in enumerate(table.get("target", []))]
    if not targets:
        raise ParameterError(f"{origin}: no [[target]] entries")
    ids = [t.id for t in targets]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ParameterError(f"{origin}: target id {duplicate!r} appears twice; give each target once")
    calibrations = [
        _calibration(entry, f"{origin}, calibrated {i + 1}") for i, entry in enumerate(table.get("calibrated", []))
    ]
    return targets, calibrations


def _field(entry: dict[str, Any], name: str, kind: type | tuple[type, ...], origin: str) -> Any:
    """A required field of a table entry, of the given type."""
    if name not in entry:
        raise ParameterError(f"{origin}: field {name!r} is missing")
    value = entry[name]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ParameterError(f"{origin}: field {name!r} has the wrong type (got {value!r:.60})")
    return value


def _target(entry: Any, origin: str) -> Target:
    """One target from its table entry."""
    if not isinstance(entry, dict):
        raise ParameterError(f"{origin}: an entry must be a table")
    known = {"id", "label", "description", "metric", "observed", "unit", "shown", "source", "band", "seeds_needed"}
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ParameterError(f"{origin}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(known))}")
    metric = _field(entry, "metric", str, origin)
    if metric not in METRICS:
        raise ParameterError(f"{origin}: unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    label = _field(entry, "label", str, origin)
    if label not in LABELS:
        raise ParameterError(f"{origin}: label {label!r} is not one of {', '.join(LABELS)}")
    observed = float(_field(entry, "observed", (int, float), origin))
    seeds_needed = entry.get("seeds_needed")
    if seeds_needed is not None and (
        isinstance(seeds_needed, bool) or not isinstance(seeds_needed, (int, float)) or not 0 < seeds_needed <= 1
    ):
        raise ParameterError(f"{origin}: 'seeds_needed' must be a share of seeds in (0, 1] (got {seeds_needed!r:.60})")
    return Target(
        id=_field(entry, "id", str, origin),
        description=_field(entry, "description", str, origin),
        metric=metric,
        observed=observed,
        unit=_field(entry, "unit", str, origin),
        source=_field(entry, "source", str, origin),
        label=label,
        band=_band(_field(entry, "band", dict, origin), observed, origin),
        seeds_needed=None if seeds_needed is None else float(seeds_needed),
        shown=str(entry.get("shown", "")),
    )


def _band(spec: dict[str, Any], observed: float, origin: str) -> Band:
    """The band a target's metric must lie in."""
    kind = spec.get("kind")
    if kind not in BAND_KINDS:
        raise ParameterError(f"{origin}: band kind {kind!r:.40} is not one of {', '.join(BAND_KINDS)}")
    number = {
        "relative": "tolerance",
        "factor": "factor",
        "points": "tolerance",
        "at_least": "value",
        "at_most": "value",
    }
    if kind == "range":
        low, high = (float(_field(spec, name, (int, float), f"{origin}, band")) for name in ("low", "high"))
        if low > high:
            raise ParameterError(f"{origin}: band low {low:g} is above high {high:g}")
        return Band(kind, low, high)
    value = float(_field(spec, number[kind], (int, float), f"{origin}, band"))
    if kind == "relative":
        return Band(kind, observed * (1 - value), observed * (1 + value))
    if kind == "factor":
        if value < 1:
            raise ParameterError(f"{origin}: band factor must be at least 1 (got {value:g})")
        return Band(kind, observed / value, observed * value)
    if kind == "points":
        return Band(kind, observed - value, observed + value)
    if kind == "at_least":
        return Band(kind, value, math.inf)
    return Band(kind, -math.inf, value)


def _calibration(entry: Any, origin: str) -> Calibration:
    """One calibrated figure from its table entry."""
    if not isinstance(entry, dict):
        raise ParameterError(f"{origin}: an entry must be a table")
    return Calibration(
        figure=_field(entry, "figure", str, origin),
        source=_field(entry, "source", str, origin),
        sets=_field(entry, "sets", str, origin),
    )


# ----- one seed's metrics ------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """One seed's frames of a history run and what is needed to read them."""

    model: pd.DataFrame
    registries: pd.DataFrame
    params: ModelParameters
    maven_top_1pct_share: float = float("nan")  # from the seed's sampled consumers

    def week_at(self, year: float) -> int:
        """The tick that ends at calendar time `year` (2024.5 is the end of June 2024)."""
        return round((year - self.params.start_year) * WEEKS_PER_YEAR)

    def cumulative_malicious_at(self, year: float) -> float:
        """Malicious packages identified from the start to calendar time `year` (NaN past the run)."""
        rows = self.model[self.model["time"] == self.week_at(year)]
        return float(rows["cumulative_malicious_identified"].iloc[0]) if len(rows) else float("nan")

    def registry_year(self, name: str, year: int) -> pd.DataFrame:
        """One registry's weekly rows in one calendar year."""
        frame = self.registries
        return frame[(frame["registry"] == name) & (frame["year"] == year)]

    def yearly_identified(self) -> pd.Series:
        """Malicious packages identified each calendar year at every registry, a part year scaled to 52 weeks."""
        by_year = self.registries.groupby("year")
        return by_year["malware_identified"].sum() / by_year["time"].nunique() * WEEKS_PER_YEAR


def never_failed(member: Member) -> float:
    """1 if no incumbent was ever degraded (rate-limiting), read-only or shut down, else 0."""
    incumbents = member.registries[member.registries["kind"] == "incumbent"]
    return 0.0 if incumbents["status"].isin(FAILED).any() else 1.0


def yearly_rises(member: Member) -> float:
    """Year-on-year rises of the yearly malicious count, start year to 2025."""
    counts = member.yearly_identified()
    counts = counts[counts.index <= 2025]
    return float((counts.diff().dropna() > 0).sum())


def npm_share(year: int) -> Callable[[Member], float]:
    """npm's share of the malicious packages identified in `year` (an alternative's count goes to no one)."""

    def metric(member: Member) -> float:
        rows = member.registries[member.registries["year"] == year]
        total = rows["malware_identified"].sum()
        return float(rows.loc[rows["registry"] == "npm", "malware_identified"].sum() / total) if total else math.nan

    return metric


def removal_share_within(rows: pd.DataFrame, hours: float, params: ModelParameters) -> float:
    """Share of a year's removals done within `hours`, pooling its weeks by malware arrivals.

    A week's delay is its lognormal (median `removal_median_hours` less the wait, spread
    `removal_delay_sigma`), cut at `removal_max_hours_not_overloaded`, plus the wait behind the backlog.
    """
    weights = rows["malware_arrivals"].to_numpy(float)
    if weights.sum() <= 0:
        return math.nan
    wait = rows["removal_wait_hours"].to_numpy(float)
    service = np.maximum(rows["removal_median_hours"].to_numpy(float) - wait, 1e-3)
    left = hours - wait
    with np.errstate(divide="ignore", invalid="ignore"):
        share = ndtr((np.log(np.maximum(left, 1e-12)) - np.log(service)) / params.removal_delay_sigma)
    share = np.where(left <= 0, 0.0, np.where(left >= params.removal_max_hours_not_overloaded, 1.0, share))
    return float(np.sum(weights * share) / weights.sum())


def removal_quantile_hours(rows: pd.DataFrame, quantile: float, params: ModelParameters) -> float:
    """The removal delay (hours) below which `quantile` of a year's removals fall (bisection on log hours)."""
    if rows["malware_arrivals"].sum() <= 0:
        return math.nan
    low, high = math.log(1e-3), math.log(1e6)
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if removal_share_within(rows, math.exp(mid), params) < quantile else (low, mid)
    return math.exp((low + high) / 2)


def pypi_median(year: int) -> Callable[[Member], float]:
    """PyPI's median removal hours in `year`."""
    return lambda member: removal_quantile_hours(member.registry_year("pypi", year), 0.5, member.params)


def pypi_within(year: int, hours: float) -> Callable[[Member], float]:
    """Share of PyPI's removals in `year` done within `hours`."""
    return lambda member: removal_share_within(member.registry_year("pypi", year), hours, member.params)


def pypi_longest(year: int) -> Callable[[Member], float]:
    """PyPI's expected longest removal in `year`: the 1 - 1/(n + 1) quantile of its n removals."""

    def metric(member: Member) -> float:
        rows = member.registry_year("pypi", year)
        n = rows["malware_arrivals"].sum()
        return removal_quantile_hours(rows, 1 - 1 / (n + 1), member.params) if n > 0 else math.nan

    return metric


def pypi_removals(year: int) -> Callable[[Member], float]:
    """Malicious and spam packages PyPI removed in `year`."""
    return lambda member: float(member.registry_year("pypi", year)["malware_removed"].sum())


def yearly_traffic(name: str, year: int) -> Callable[[Member], float]:
    """A registry's traffic served in `year` (a year's total, in the unit of its profile)."""
    return lambda member: float(member.registry_year(name, year)["downloads"].sum())


#: PyPI requests per file download: 1.2 T requests over 284 B downloads in 2023 (Fastly customer story [A1]).
#: The model counts PyPI's traffic in downloads (the hindcast starts from the 284 B); PyPI's 2025 figure is requests.
PYPI_REQUESTS_PER_DOWNLOAD = 1.2e12 / 284e9


def pypi_requests(year: int) -> Callable[[Member], float]:
    """PyPI's requests in `year`: the downloads it served times requests per download."""
    return lambda member: yearly_traffic("pypi", year)(member) * PYPI_REQUESTS_PER_DOWNLOAD


def compound_growth(name: str, first: int, last: int) -> Callable[[Member], float]:
    """A registry's yearly traffic growth factor from `first - 1` to `last`, compounded per year."""

    def metric(member: Member) -> float:
        before, after = yearly_traffic(name, first - 1)(member), yearly_traffic(name, last)(member)
        return (after / before) ** (1 / (last - first + 1)) if before > 0 else math.nan

    return metric


METRICS: dict[str, Callable[[Member], float]] = {
    "incumbents_never_failed": never_failed,
    "cumulative_malicious_mid_2024": lambda m: m.cumulative_malicious_at(2024.5),
    "cumulative_malicious_end_2024": lambda m: m.cumulative_malicious_at(2025.0),
    "cumulative_malicious_jul_2025": lambda m: m.cumulative_malicious_at(2025 + 7 / 12),
    "malware_yearly_rises": yearly_rises,
    "npm_malware_share_2024": npm_share(2024),
    "pypi_removal_median_hours_2023": pypi_median(2023),
    "pypi_share_within_4h_2025": pypi_within(2025, 4.0),
    "pypi_share_within_24h_2025": pypi_within(2025, 24.0),
    "pypi_longest_removal_hours_2025": pypi_longest(2025),
    "pypi_removals_2020": pypi_removals(2020),
    "pypi_removals_2021": pypi_removals(2021),
    "pypi_removals_2022": pypi_removals(2022),
    "pypi_requests_2025": pypi_requests(2025),
    "crates_download_growth_2021_2024": compound_growth("crates", 2021, 2024),
    "maven_top_1pct_share": lambda m: m.maven_top_1pct_share,
}


def first_failures(member: Member) -> dict[str, tuple[int, str]]:
    """Each incumbent that failed: the year it first became degraded, read-only or shut down, and that status."""
    rows = member.registries[(member.registries["kind"] == "incumbent") & member.registries["status"].isin(FAILED)]
    first = rows.groupby("registry").first()
    return {name: (int(row["year"]), str(row["status"])) for name, row in first.iterrows()}


def top_share(volumes: np.ndarray, top: float = 0.01) -> float:
    """Share of the total held by the largest `top` share of the nonzero volumes (at least one)."""
    used = np.sort(volumes[volumes > 0])[::-1]
    if used.size == 0:
        return math.nan
    k = max(1, round(top * used.size))
    return float(used[:k].sum() / used.sum())


def score(targets: list[Target], members: list[Member]) -> list[Score]:
    """Every target's per-seed values and result."""
    return [Score(t, tuple(METRICS[t.metric](member) for member in members)) for t in targets]


# ----- the hindcast ensemble ---------------------------------------------------------------------
HINDCAST_SCENARIO = "history"
HINDCAST_YEARS = 7.0  # January 2019 to December 2025: the 2025 targets are whole-year figures
#: A small population for the quick mode (CI): the same mechanisms, a coarser sample.
QUICK_OVERRIDES = {"n_developers": 500, "n_corporations": 200}


def maven_top_share(params: ModelParameters, seed: Any) -> float:
    """Top-1% consumers' share of Maven Central traffic among the firms a seed samples (the model is built, not run)."""
    from model.model import RegistryModel

    model = RegistryModel(params, rng=seed)
    index = model.registry_names.index("maven")
    population = model.corporations
    return top_share(population.usage_share * population.dependency_shares[:, index])


def run_hindcast(
    seeds: int = 10, quick: bool = False, workers: int | None = None, root_seed: int = 0
) -> tuple[list[Member], Any]:
    """Run the history preset as an ensemble; return one `Member` per seed and the ensemble."""
    from model.ensemble import member_seeds, run_ensemble

    overrides = QUICK_OVERRIDES if quick else {}
    result = run_ensemble(
        HINDCAST_SCENARIO, years=HINDCAST_YEARS, seeds=seeds, workers=workers, root_seed=root_seed, **overrides
    )
    members = []
    for label, seed in member_seeds(seeds, root_seed):
        members.append(
            Member(
                model=result.model[result.model["seed"] == label],
                registries=result.registries[result.registries["seed"] == label],
                params=result.params,
                maven_top_1pct_share=maven_top_share(result.params, seed),
            )
        )
    return members, result
