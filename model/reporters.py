"""What the model reports each week: ecosystem metrics and one row per registry."""

from __future__ import annotations

import math
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from agents.corporation import SupportMode
from agents.registry import COST_ITEMS, REVENUE_SOURCES, Status
from model.consumers import RESPONSES, Response
from model.ecosystem import share_on_alternatives

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel


def support_share(mode: SupportMode):
    """A reporter for the share of corporations in one support mode."""

    def report(model: RegistryModel) -> float:
        return model.corporations.share_in(mode)

    return report


def heavy_share(response: Response):
    """A reporter for the share of heavy firms' registries at which they have one response to charges."""

    def report(model: RegistryModel) -> float:
        return model.consumers.response_share(response)

    return report


def pooled_removal_median_hours(model: RegistryModel) -> float:
    """Median removal delay over all malware, pooling registries' lognormals by their reports."""
    live = [
        r
        for r in model.registry_list
        if r.status != Status.SHUT_DOWN and r.reports_per_week > 0 and r.removal_median_hours > 0
    ]
    if not live:
        return float("nan")
    return pooled_lognormal_median(
        [r.reports_per_week for r in live],
        [math.log(r.removal_median_hours) for r in live],
        model.p.removal_delay_sigma,
    )


def pooled_lognormal_median(weights: list[float], log_medians: list[float], sigma: float) -> float:
    """Median of a weighted mixture of lognormals with log-medians `log_medians` and one `sigma`.

    Solves sum_i w_i Φ((x - m_i) / σ) = total / 2 for the log-median x by Newton's method from
    the weighted mean of the m_i, kept inside a bracket that halves whenever a step would leave
    it; it stops when a step moves x by less than 1e-13 (a relative error of about 1e-13 in hours).
    """
    total = sum(weights)
    scale, density = sigma * math.sqrt(2), 1 / (sigma * math.sqrt(2 * math.pi))
    pairs = list(zip(weights, log_medians))
    erf, exp = math.erf, math.exp
    low, high = min(log_medians) - 5 * sigma, max(log_medians) + 5 * sigma
    x = sum(w * m for w, m in pairs) / total
    for _ in range(100):
        excess = sum([w * 0.5 * (1 + erf((x - m) / scale)) for w, m in pairs]) - 0.5 * total
        slope = density * sum([w * exp(-(((x - m) / scale) ** 2)) for w, m in pairs])
        low, high = (x, high) if excess < 0 else (low, x)
        step = excess / slope if slope > 0 else math.inf
        if abs(step) < 1e-13:
            return math.exp(x - step)
        if low <= x - step <= high:
            x -= step
        else:  # a step out of the bracket: halve it instead
            x = (low + high) / 2
        if high - low < 1e-13:
            break
    return math.exp(x)


MODEL_REPORTERS: dict[str, Any] = {
    "time": lambda m: int(m.time),
    "year": lambda m: m.year,
    **{f"support_share_{mode.value}": support_share(mode) for mode in SupportMode},
    "largest_funder_share": lambda m: m.largest_funder_share(),
    "umbrella_budget_usd_per_year": lambda m: sum(f.budget_usd_per_year for f in m.umbrella_funders),
    "grants_usd": lambda m: sum(r.revenue["grant"] for r in m.registry_list),
    "corporate_support_usd": lambda m: sum(r.revenue["donation"] + r.revenue["opex"] for r in m.registry_list),
    "corporate_support_offered_usd": lambda m: m.corporate_support_offered_usd,
    "consumer_charges_usd": lambda m: sum(
        r.revenue["paid_tier"] + r.revenue["usage"] + r.revenue["mirror"] for r in m.registry_list
    ),
    "consortium_usd": lambda m: sum(r.revenue["consortium"] for r in m.registry_list),
    **{f"heavy_share_{response.value}": heavy_share(response) for response in RESPONSES},
    "total_cash_usd": lambda m: sum(r.cash for r in m.registry_list),
    "removal_median_hours_pooled": pooled_removal_median_hours,
    "registries_shut_down": lambda m: sum(1 for r in m.registry_list if r.status == Status.SHUT_DOWN),
    "downturn": lambda m: m.downturn,
    "cumulative_malicious_identified": lambda m: float(m.malware_ledger.cumulative_identified.sum()),
    "malware_downloads": lambda m: sum(r.malware.downloads for r in m.registry_list),
    "corporate_harm_usd": lambda m: m.corporate_harm_usd,
    "harmful_downloads": lambda m: m.harmful_downloads,
    "share_developers_on_alternatives": share_on_alternatives,
    "share_new_packages_on_alternatives": lambda m: (
        sum(r.new_packages_per_week for r in m.alternatives.values())
        / max(sum(r.new_packages_per_week for r in m.registry_list), 1e-9)
    ),
    "alternatives_open": lambda m: sum(1 for r in m.alternatives.values() if r.status != Status.SHUT_DOWN),
    "worm_outbreaks": lambda m: len(m.worm_rows),
}


class Attribute:
    """A registry reporter reading an attribute, perhaps dotted (`malware.arrivals`): `attrgetter` that a collector can batch."""

    def __init__(self, path: str) -> None:
        """Read `path` from each registry."""
        self.path = path
        self._get = attrgetter(path)

    def __call__(self, registry: RegistryAgent) -> Any:
        """The attribute's value for one registry."""
        return self._get(registry)


class Entry:
    """A registry reporter reading one entry of a dict attribute (`revenue["grant"]`)."""

    def __init__(self, table: str, key: str) -> None:
        """Read `key` from each registry's dict attribute `table`."""
        self.table, self.key = table, key

    def __call__(self, registry: RegistryAgent) -> Any:
        """The entry's value for one registry."""
        return getattr(registry, self.table)[self.key]


REGISTRY_REPORTERS: dict[str, Any] = {
    "time": lambda r: int(r.model.time),
    "year": lambda r: r.model.year,
    "registry": "name",
    "kind": "kind",
    "status": Attribute("status.value"),
    "cash_usd": "cash",
    "runway_months": "runway_months",
    **{f"revenue_{source}_usd": Entry("revenue", source) for source in REVENUE_SOURCES},
    **{f"cost_{item}_usd": Entry("cost", item) for item in COST_ITEMS},
    **{f"inkind_{item}_usd": Entry("inkind", item) for item in COST_ITEMS},
    "downloads": "downloads_served",
    "packages": "packages",
    "security_fte": "security_fte",
    "workload_reports_per_week": "workload",
    "removal_median_hours": "removal_median_hours",
    "removal_wait_hours": "removal_wait_hours",
    "removal_backlog_reports": "backlog_reports",
    "security_capacity_reports_per_week": "security_capacity",
    "queue_utilisation": "utilisation",
    "steward_capacity_usd_per_year": "steward_capacity_usd_per_year",
    "publishers": "publishers",
    "new_packages": "new_packages_per_week",
    "malware_arrivals": Attribute("malware.arrivals"),
    "malware_identified": Attribute("malware.identified"),
    "malware_removed": Attribute("malware.removed"),
    "malware_live": Attribute("malware.live"),
    "malware_downloads": Attribute("malware.downloads"),
    "removal_hours_observed_median": Attribute("malware.removal_hours_observed"),
    "mitigation_unfunded_usd": "mitigation_unfunded_usd",
}


def registry_row(registry: RegistryAgent) -> dict[str, Any]:
    """One registry's current row, as the registries frame holds it (for tables in the app and CLI)."""
    row = {}
    for name, reporter in REGISTRY_REPORTERS.items():
        row[name] = getattr(registry, reporter) if isinstance(reporter, str) else reporter(registry)
    return row


def _row_reader(reporters: list[Any]):
    """One function giving a registry's row of `reporters` with a few C-level reads instead of a call per reporter.

    Attribute reporters (names and `Attribute`) are read by one `attrgetter`, `Entry` reporters by
    one `itemgetter` per dict; any other reporter is called; the values are then put in column order.
    """
    paths, tables, calls, sources = [], {}, [], []
    for reporter in reporters:
        if isinstance(reporter, str | Attribute):
            sources.append(("attributes", len(paths)))
            paths.append(reporter if isinstance(reporter, str) else reporter.path)
        elif isinstance(reporter, Entry):
            keys = tables.setdefault(reporter.table, [])
            sources.append((reporter.table, len(keys)))
            keys.append(reporter.key)
        else:
            sources.append(("calls", len(calls)))
            calls.append(reporter)
    groups = ["attributes", *tables, "calls"]
    sizes = [len(paths), *(len(keys) for keys in tables.values()), len(calls)]
    starts = dict(zip(groups, np.cumsum([0, *sizes[:-1]]).tolist()))
    order = [starts[group] + position for group, position in sources]
    put_in_order = itemgetter(*order) if len(order) > 1 else (lambda values: (values[order[0]],))

    def as_tuple(getter, count):
        """`getter` as a function that always returns a tuple (one-item getters return the item)."""
        return (lambda target: (getter(target),)) if count == 1 else getter

    read_attributes = as_tuple(attrgetter(*paths), len(paths)) if paths else (lambda registry: ())
    read_tables = [(table, as_tuple(itemgetter(*keys), len(keys))) for table, keys in tables.items()]

    def row(registry: RegistryAgent) -> tuple[Any, ...]:
        """The registry's values, in column order."""
        values = read_attributes(registry)
        for table, read in read_tables:
            values += read(getattr(registry, table))
        values += tuple(call(registry) for call in calls)
        return put_in_order(values)

    return row


class WeeklyCollector:
    """Collects `MODEL_REPORTERS` and `REGISTRY_REPORTERS` once a week into plain lists.

    It replaces Mesa's `DataCollector` (the same reporters, values and frames, without its
    per-value checks and copies): `model_vars` holds one list per model column, and the two
    `get_*_dataframe` methods build the frames `DataCollector` built, with the same index.
    """

    def __init__(self, registry_type: type) -> None:
        """Empty columns; registry rows are read from the model's agents of `registry_type`."""
        self.registry_type = registry_type
        self.model_vars: dict[str, list[Any]] = {name: [] for name in MODEL_REPORTERS}
        self._model_reporters = [(self.model_vars[name], reporter) for name, reporter in MODEL_REPORTERS.items()]
        self._registry_row = _row_reader(list(REGISTRY_REPORTERS.values()))
        self._registry_rows: list[tuple[Any, ...]] = []

    def collect(self, model: RegistryModel) -> None:
        """Append this week's model values and one row per registry agent."""
        for column, reporter in self._model_reporters:
            column.append(reporter(model))
        time, row = model.time, self._registry_row
        for registry in model.agents_by_type[self.registry_type]:
            self._registry_rows.append((time, registry.unique_id, *row(registry)))

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per week, one column per model reporter."""
        return pd.DataFrame(self.model_vars)

    def get_agenttype_vars_dataframe(self, agent_type: type) -> pd.DataFrame:
        """One row per registry per week, indexed by (Step, AgentID) as Mesa's collector did."""
        if agent_type is not self.registry_type:
            return pd.DataFrame()
        return pd.DataFrame.from_records(
            self._registry_rows, columns=["Step", "AgentID", *REGISTRY_REPORTERS], index=["Step", "AgentID"]
        )
