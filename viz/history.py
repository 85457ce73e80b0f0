"""What a run has reported so far, recorded week by week from a running model for the explorer's charts.

Each week the history keeps every column of the run's frames (`docs/outputs.md`): the model
frame's columns (`metrics`), each incumbent registry's row of the registries frame
(`by_registry`), the numeric registry columns summed over every registry, alternatives included
(`totals`), and the worms frame's rows. A chart names the columns it plots, so a new chart needs
no change here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Number
from typing import Any

import numpy as np

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR, RegistryModel
from model.profiles import RegistryCatalogue
from model.reporters import SupportMode, registry_row  # viz reaches agents only through model
from model.scenarios import load_preset

SUPPORT_MODES = tuple(mode.value for mode in SupportMode)


@dataclass
class RunHistory:
    """Weekly columns of the run's frames: ecosystem metrics, each incumbent registry (`registries`), totals, worms."""

    start_year: int
    registries: tuple[str, ...] = REGISTRIES.names
    weeks: list[int] = field(default_factory=list)
    metrics: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    by_registry: dict[str, dict[str, list[Any]]] = field(init=False)
    totals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    worms: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """One empty set of columns per incumbent registry."""
        self.by_registry = {name: defaultdict(list) for name in self.registries}

    def record(self, model: RegistryModel) -> None:
        """Append the model's current week (call after each step)."""
        self.weeks.append(int(model.time))
        for column, values in model.datacollector.model_vars.items():
            self.metrics[column].append(values[-1])
        totals: dict[str, float] = defaultdict(float)
        for registry in model.registry_list:
            row = registry_row(registry)
            for column, value in row.items():
                if isinstance(value, Number):
                    totals[column] += value
            if registry.name in self.by_registry:
                for column, value in row.items():
                    self.by_registry[registry.name][column].append(value)
        for column, value in totals.items():
            self.totals[column].append(value)
        self.worms = list(model.worm_rows)

    @classmethod
    def from_model(cls, model: RegistryModel, registries: tuple[str, ...]) -> RunHistory:
        """The history of a finished run, read at once from its frames (faster than recording each week)."""
        from model.runner import model_frame, registry_frame  # here: the runner imports what this module serves

        weekly, panel = model_frame(model), registry_frame(model)
        history = cls(start_year=model.p.start_year, registries=registries)
        history.weeks = list(range(1, len(weekly) + 1))
        history.metrics = defaultdict(list, {column: weekly[column].tolist() for column in weekly.columns})
        columns = [column for column in panel.columns if column not in ("time", "year", "registry")]
        for name in registries:
            rows = panel[panel["registry"] == name]
            history.by_registry[name] = defaultdict(list, {column: rows[column].tolist() for column in columns})
        numeric = panel.drop(columns=["year"]).select_dtypes(include=["number", "bool"])
        totals = numeric.groupby("time").sum().reindex(history.weeks, fill_value=0)
        history.totals = defaultdict(list, {column: totals[column].tolist() for column in totals.columns})
        history.worms = list(model.worm_rows)
        return history

    def metric(self, column: str) -> np.ndarray:
        """A model-frame column, one value per recorded week."""
        return np.asarray(self.metrics.get(column, ()), dtype=float)

    def registry(self, name: str, column: str) -> np.ndarray:
        """A registries-frame column for one incumbent registry, one value per recorded week."""
        return np.asarray(self.by_registry[name].get(column, ()), dtype=float)

    def total(self, column: str) -> np.ndarray:
        """A numeric registries-frame column summed over every registry (alternatives included), per recorded week."""
        return np.asarray(self.totals.get(column, ()), dtype=float)

    @property
    def years(self) -> np.ndarray:
        """Decimal calendar year of each recorded week."""
        return self.year_of(np.asarray(self.weeks, dtype=float))

    def year_of(self, weeks: np.ndarray) -> np.ndarray:
        """Decimal calendar year of model weeks (week 1 starts the run's first year)."""
        return self.start_year + (np.asarray(weeks, dtype=float) - 1) / WEEKS_PER_YEAR

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
