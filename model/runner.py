"""`run()`: the model as a plain function of a scenario, returning tidy DataFrames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents.registry import RegistryAgent
from model.model import WEEKS_PER_YEAR, RegistryModel, check_seed
from model.parameters import ModelParameters
from model.profiles import RegistryCatalogue
from model.scenarios import Scenario, check_years, load_scenario
from model.worms import WORM_COLUMNS


@dataclass
class RunResult:
    """The output of one run: tidy frames plus the scenario, parameters and seed that made them."""

    scenario: str
    seed: Any
    years: float
    params: ModelParameters
    model: pd.DataFrame  # one row per week: ecosystem metrics
    registries: pd.DataFrame  # one row per registry per week
    events: pd.DataFrame  # one row per event
    worms: pd.DataFrame  # one row per worm outbreak

    def final(self) -> pd.DataFrame:
        """The registries frame's last week, indexed by registry."""
        last = self.registries[self.registries["time"] == self.registries["time"].max()]
        return last.set_index("registry")


def run(
    scenario: str | Path | Scenario | dict[str, Any] | None = "status-quo",
    years: float | None = None,
    seed: int | np.random.SeedSequence = 0,
    catalogue: RegistryCatalogue | None = None,
    **overrides: Any,
) -> RunResult:
    """Run a scenario (preset name, TOML path or table) for `years` with `seed`; return tidy frames.

    `catalogue` is the set of incumbent registries (default: the shipped five).
    """
    resolved = load_scenario(scenario)
    years = resolved.years if years is None else years
    check_years(years)
    check_seed(seed, "seed")
    params = resolved.parameters(catalogue=catalogue, **overrides)
    model = RegistryModel(params, rng=seed, catalogue=catalogue)
    model.run_for(round(years * WEEKS_PER_YEAR))
    return RunResult(
        scenario=resolved.name,
        seed=seed,
        years=years,
        params=params,
        model=model_frame(model),
        registries=registry_frame(model),
        events=events_frame(model),
        worms=worms_frame(model),
    )


def model_frame(model: RegistryModel) -> pd.DataFrame:
    """The model's weekly ecosystem metrics as a tidy frame."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def registry_frame(model: RegistryModel) -> pd.DataFrame:
    """The registry panel: one row per registry per week."""
    frame = model.datacollector.get_agenttype_vars_dataframe(RegistryAgent)
    return frame.reset_index(drop=True)


def events_frame(model: RegistryModel) -> pd.DataFrame:
    """The event log: time, year, kind, registry, detail."""
    return pd.DataFrame(model.events, columns=["time", "year", "kind", "registry", "detail"])


def worms_frame(model: RegistryModel) -> pd.DataFrame:
    """One row per worm outbreak, with typed columns even when there was none."""
    frame = pd.DataFrame(model.worm_rows, columns=WORM_COLUMNS)
    types = {
        column: "int64" for column in WORM_COLUMNS if column not in ("registry", "duration_hours", "trojan_downloads")
    }
    return frame.astype({**types, "registry": "object", "duration_hours": "float64", "trojan_downloads": "float64"})
