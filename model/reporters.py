"""What the model reports each week: ecosystem metrics and one row per registry."""

from __future__ import annotations

import math
from operator import attrgetter
from typing import TYPE_CHECKING, Any

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
    sigma = model.p.removal_delay_sigma
    weights = [r.reports_per_week for r in live]
    logs = [math.log(r.removal_median_hours) for r in live]
    total = sum(weights)
    scale = sigma * math.sqrt(2)
    pairs = list(zip(weights, logs))
    erf = math.erf

    def cdf(log_hours: float) -> float:
        """Reports-weighted share below `log_hours` (times the total)."""
        return sum([w * 0.5 * (1 + erf((log_hours - m) / scale)) for w, m in pairs])

    low, high = min(logs) - 5 * sigma, max(logs) + 5 * sigma
    half_total = 0.5 * total
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < half_total else (low, mid)
    return math.exp((low + high) / 2)


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


def _revenue(source: str):
    """A reporter for one revenue source this week."""
    return lambda r: r.revenue[source]


def _cost(item: str):
    """A reporter for one cash cost item this week."""
    return lambda r: r.cost[item]


def _inkind(item: str):
    """A reporter for one cost item's in-kind cover this week."""
    return lambda r: r.inkind[item]


REGISTRY_REPORTERS: dict[str, Any] = {
    "time": lambda r: int(r.model.time),
    "year": lambda r: r.model.year,
    "registry": "name",
    "kind": "kind",
    "status": lambda r: r.status.value,
    "cash_usd": "cash",
    "runway_months": "runway_months",
    **{f"revenue_{source}_usd": _revenue(source) for source in REVENUE_SOURCES},
    **{f"cost_{item}_usd": _cost(item) for item in COST_ITEMS},
    **{f"inkind_{item}_usd": _inkind(item) for item in COST_ITEMS},
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
    "malware_arrivals": lambda r: r.malware.arrivals,
    "malware_identified": lambda r: r.malware.identified,
    "malware_removed": lambda r: r.malware.removed,
    "malware_live": lambda r: r.malware.live,
    "malware_downloads": lambda r: r.malware.downloads,
    "removal_hours_observed_median": lambda r: r.malware.removal_hours_observed,
    "mitigation_unfunded_usd": "mitigation_unfunded_usd",
}


def registry_row(registry: RegistryAgent) -> dict[str, Any]:
    """One registry's current row, as the registries frame holds it (for tables in the app and CLI)."""
    row = {}
    for name, reporter in REGISTRY_REPORTERS.items():
        row[name] = getattr(registry, reporter) if isinstance(reporter, str) else reporter(registry)
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
        self._registry_reporters = [
            attrgetter(reporter) if isinstance(reporter, str) else reporter for reporter in REGISTRY_REPORTERS.values()
        ]
        self._registry_rows: list[tuple[Any, ...]] = []

    def collect(self, model: RegistryModel) -> None:
        """Append this week's model values and one row per registry agent."""
        for column, reporter in self._model_reporters:
            column.append(reporter(model))
        time, reporters = model.time, self._registry_reporters
        for registry in model.agents_by_type[self.registry_type]:
            self._registry_rows.append((time, registry.unique_id, *[reporter(registry) for reporter in reporters]))

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
