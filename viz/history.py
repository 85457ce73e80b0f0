"""What the explorer's charts show, recorded week by week from a running model (cheap per step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR, RegistryModel
from model.profiles import RegistryCatalogue
from model.reporters import REVENUE_SOURCES, SupportMode  # viz reaches agents only through model
from model.scenarios import load_preset

SUPPORT_MODES = tuple(mode.value for mode in SupportMode)


@dataclass
class RunHistory:
    """Weekly series for the charts: per incumbent registry (`registries`, by name) and for the whole ecosystem."""

    start_year: int
    registries: tuple[str, ...] = REGISTRIES.names
    weeks: list[int] = field(default_factory=list)
    runway_months: dict[str, list[float]] = field(init=False)
    removal_median_hours: dict[str, list[float]] = field(init=False)
    revenue_usd: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in REVENUE_SOURCES})
    support_share: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in SUPPORT_MODES})
    removal_median_hours_pooled: list[float] = field(default_factory=list)
    malware_live: list[float] = field(default_factory=list)
    malware_downloads: list[float] = field(default_factory=list)
    share_developers_on_alternatives: list[float] = field(default_factory=list)
    worms: list[tuple[int, int]] = field(default_factory=list)  # (start week, packages compromised)

    def __post_init__(self) -> None:
        """One empty series per registry."""
        self.runway_months = {name: [] for name in self.registries}
        self.removal_median_hours = {name: [] for name in self.registries}

    def record(self, model: RegistryModel) -> None:
        """Append the model's current week (call after each step)."""
        latest = {key: values[-1] for key, values in model.datacollector.model_vars.items()}
        self.weeks.append(int(model.time))
        for name in self.registries:
            registry = model.registries_by_name[name]
            self.runway_months[name].append(registry.runway_months)
            self.removal_median_hours[name].append(registry.removal_median_hours)
        for source in REVENUE_SOURCES:
            self.revenue_usd[source].append(sum(r.revenue[source] for r in model.registry_list))
        for mode in SUPPORT_MODES:
            self.support_share[mode].append(latest[f"support_share_{mode}"])
        self.removal_median_hours_pooled.append(latest["removal_median_hours_pooled"])
        self.malware_live.append(float(sum(r.malware.live for r in model.registry_list)))
        self.malware_downloads.append(latest["malware_downloads"])
        self.share_developers_on_alternatives.append(latest["share_developers_on_alternatives"])
        self.worms = [(row["start_time"], row["packages_compromised"]) for row in model.worm_rows]

    @property
    def years(self) -> np.ndarray:
        """Decimal calendar year of each recorded week."""
        return self.start_year + (np.asarray(self.weeks, dtype=float) - 1) / WEEKS_PER_YEAR

    def __len__(self) -> int:
        """Weeks recorded."""
        return len(self.weeks)


@lru_cache(maxsize=16)
def baseline_history(
    seed: int, weeks: int, start_year: int | None = None, catalogue: RegistryCatalogue | None = None
) -> RunHistory:
    """The status quo run with this seed (from `start_year`), recorded once per process, shared read-only."""
    catalogue = catalogue or REGISTRIES
    params = load_preset("status-quo").parameters(
        catalogue=catalogue, **({} if start_year is None else {"start_year": start_year})
    )
    model = RegistryModel(params, rng=seed, catalogue=catalogue)
    history = RunHistory(start_year=params.start_year, registries=catalogue.names)
    for _ in range(weeks):
        model.step()
        history.record(model)
    return history
