"""One visitor's explorer session: levers, the running model, shocks fired, history and baseline.

Plain Python (no Solara), so the page logic is testable and benchmarkable on its own. Each
browser session creates its own `ExplorerSession`; only the status-quo baseline (read-only,
one per seed) is shared between sessions.

The page's charts show the scenario's projection (`scenario()`, run by `viz.projection` over
the whole horizon as an ensemble). The running model is the story mode on top of it: one run
(this seed) played week by week, where shocks are fired. Changing a lever or the preset rebuilds
the model with the new parameters and replays it, with the shocks already fired at the same
weeks, up to the week it had reached. A lever change is validated by the model's one
parameter-change function (`changed_parameters`, cross-field rules included) before anything
changes. A session may be given a registry catalogue (default: the shipped one).
"""

from __future__ import annotations

import io
import threading
import zipfile
from typing import Any

import pandas as pd

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR, RegistryModel
from model.parameters import ModelParameters, changed_parameters
from model.profiles import RegistryCatalogue
from model.runner import events_frame, model_frame, registry_frame, worms_frame
from model.scenarios import load_preset
from model.shocks import fire as fire_shock
from viz.history import RunHistory, baseline_history
from viz.levers import LEVERS, format_value, parse_lever
from viz.projection import Scenario

DEFAULT_YEARS = 10


class ExplorerSession:
    """A visitor's scenario (preset, lever overrides, seed) and its running model."""

    def __init__(
        self,
        preset: str = "status-quo",
        overrides: dict[str, Any] | None = None,
        seed: int = 0,
        years: float = DEFAULT_YEARS,
        catalogue: RegistryCatalogue | None = None,
        shocks: list[tuple[int, str]] | None = None,
        week: int = 0,
    ) -> None:
        """Validate the scenario, build the model and play it (firing `shocks` at their weeks) to `week`."""
        self.catalogue = catalogue or REGISTRIES
        self.preset = preset
        self.overrides: dict[str, Any] = dict(overrides or {})
        self.seed = int(seed)
        self.horizon_weeks = round(years * WEEKS_PER_YEAR)
        self.shocks: list[tuple[int, str]] = sorted(shocks or [])  # (week fired, shock name)
        self.lock = threading.RLock()
        self.params = self._parameters()
        self._build()
        self._advance(min(max(int(week), 0), self.horizon_weeks), replay_shocks=True)

    # ----- scenario --------------------------------------------------------------------------
    def _parameters(self, preset: str | None = None) -> ModelParameters:
        """A preset's parameters (this session's, with its overrides, by default) for this catalogue."""
        if preset is not None:
            return load_preset(preset).parameters(catalogue=self.catalogue)
        return load_preset(self.preset).parameters(catalogue=self.catalogue, **self.overrides)

    def _build(self) -> None:
        """A fresh model at week 0 and an empty history."""
        self.model = RegistryModel(self.params, rng=self.seed, catalogue=self.catalogue)
        self.history = RunHistory(start_year=self.params.start_year, registries=self.catalogue.names)

    @property
    def baseline(self) -> RunHistory:
        """The status quo with this seed and start year over the whole horizon (computed once per seed)."""
        return baseline_history(self.seed, self.horizon_weeks, self.params.start_year, self.catalogue)

    def scenario(self) -> Scenario:
        """What the projection runs: this preset, levers, seed and shocks over the whole horizon."""
        preset = self._parameters(self.preset)
        changed = {name: value for name, value in self.overrides.items() if getattr(preset, name) != value}
        overrides = tuple(sorted(changed.items()))  # a lever set back to the preset's value is the preset
        return Scenario(self.preset, overrides, self.seed, tuple(self.shocks), self.horizon_weeks, self.catalogue)

    @property
    def modified(self) -> bool:
        """Whether a lever differs from the preset's value (the scenario is no longer the named preset)."""
        return self.params != self._parameters(self.preset)

    def lever_value(self, name: str) -> Any:
        """The current value of a lever."""
        return self.seed if name == "seed" else getattr(self.params, name)

    def set_lever(self, name: str, text: Any) -> None:
        """Apply a typed lever value; a bad value raises ParameterError and changes nothing."""
        value = parse_lever(LEVERS[name], text, self.catalogue)
        with self.lock:
            if name == "seed":
                if value == self.seed:
                    return
                self.seed = value
            else:  # validate the whole scenario before touching anything; replayed from week 0, so any lever
                params = changed_parameters(self.params, {name: value}, catalogue=self.catalogue, mid_run=False)
                if params == self.params:
                    return
                self.overrides, self.params = {**self.overrides, name: value}, params
            self._replay()

    def set_levers(self, values: dict[str, Any]) -> None:
        """Apply several typed lever values at once (a suggestion); any bad value raises and changes nothing."""
        parsed = {name: parse_lever(LEVERS[name], text, self.catalogue) for name, text in values.items()}
        seed = parsed.pop("seed", self.seed)
        with self.lock:
            params = changed_parameters(self.params, parsed, catalogue=self.catalogue, mid_run=False)
            self.overrides, self.params, self.seed = {**self.overrides, **parsed}, params, seed
            self._replay()

    def set_preset(self, preset: str) -> None:
        """Switch to a named preset (clearing lever overrides) and replay to the current week."""
        params = self._parameters(preset)  # an unknown preset raises here, before anything changes
        with self.lock:
            self.preset, self.overrides, self.params = preset, {}, params
            self._replay()

    def apply_link(
        self, preset: str, overrides: dict[str, Any], seed: int, shocks: list[tuple[int, str]], week: int
    ) -> None:
        """Become a link's scenario (the browser's Back button): rebuild and play to its week; bad input changes nothing."""
        params = load_preset(preset).parameters(catalogue=self.catalogue, **overrides)
        with self.lock:
            self.preset, self.overrides, self.seed, self.params = preset, dict(overrides), int(seed), params
            self.shocks = sorted(shocks)
            self._build()
            self._advance(min(max(int(week), 0), self.horizon_weeks), replay_shocks=True)

    def _replay(self) -> None:
        """Rebuild the model and re-run it, re-firing the shocks, to the week it had reached."""
        target = self.week
        self._build()
        self._advance(target, replay_shocks=True)

    # ----- running ----------------------------------------------------------------------------
    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return int(self.model.time)

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon (or every registry has shut down)."""
        return self.week >= self.horizon_weeks or not self.model.running

    def step(self, weeks: int = 1) -> int:
        """Advance up to `weeks` weeks (never past the horizon); return the weeks simulated."""
        with self.lock:
            before = self.week
            self._advance(min(self.week + weeks, self.horizon_weeks))
            return self.week - before

    def _advance(self, target_week: int, replay_shocks: bool = False) -> None:
        """Step the model to `target_week`; when replaying, fire the recorded shocks at their weeks."""
        due: dict[int, list[str]] = {}
        for week, name in self.shocks if replay_shocks else []:
            due.setdefault(week, []).append(name)
        while self.week < target_week and self.model.running:
            for name in due.get(self.week, []):
                fire_shock(self.model, name)
            self.model.step()
            self.history.record(self.model)

    def reset(self) -> None:
        """Back to week 0 with the same levers; shocks fired are forgotten."""
        with self.lock:
            self.shocks = []
            self._build()

    def fire(self, shock: str) -> None:
        """Fire a shock of the model's catalogue now (it is also replayed if a lever changes later)."""
        with self.lock:
            fire_shock(self.model, shock)  # an unknown shock raises ParameterError and changes nothing
            self.shocks.append((self.week, shock))

    # ----- exports ------------------------------------------------------------------------------
    @property
    def export_name(self) -> str:
        """The file name stem of an export: preset (marked if modified), seed and week."""
        modified = "-modified" if self.modified else ""
        return f"borrowed-time-{self.preset}{modified}-seed{self.seed}-week{self.week}"

    def title(self) -> str:
        """A one-line title of the scenario: preset (and whether modified), seed and week reached."""
        modified = " (modified)" if self.modified else ""
        return f"Borrowed Time: {self.preset}{modified}, seed {self.seed}, story run at week {self.week}"

    def lever_lines(self) -> list[str]:
        """Every lever's value with its unit, and the shocks fired, as lines of text."""
        lines = [
            f"{lever.label}: {format_value(lever, self.lever_value(name))} ({lever.unit})"
            + (" *" if name in self.overrides or (name == "seed" and self.seed) else "")
            for name, lever in LEVERS.items()
        ]
        shocks = ", ".join(f"{name} in week {week}" for week, name in self.shocks) or "none"
        return [*lines, f"Shocks fired: {shocks}", "* changed from the preset"]

    def scenario_frame(self) -> pd.DataFrame:
        """The scenario as a table: preset, seed, week, shocks, then every lever's value and unit."""
        rows = [
            {"name": "preset", "label": "Scenario preset", "value": self.preset, "unit": ""},
            {
                "name": "modified",
                "label": "Levers differ from the preset",
                "value": str(self.modified).lower(),
                "unit": "",
            },
            {"name": "week", "label": "Week reached", "value": str(self.week), "unit": "weeks"},
            {
                "name": "shocks",
                "label": "Shocks fired",
                "value": ",".join(f"{name}@{week}" for week, name in self.shocks),
                "unit": "name@week",
            },
        ]
        rows += [
            {
                "name": name,
                "label": lever.label,
                "value": format_value(lever, self.lever_value(name)),
                "unit": lever.unit,
            }
            for name, lever in LEVERS.items()
        ]
        return pd.DataFrame(rows)

    def csv_zip(self) -> bytes:
        """The scenario and the run so far as CSV files (scenario, model, registries, events, worms) in one zip."""
        with self.lock:
            frames = {
                "scenario": self.scenario_frame(),
                "model": model_frame(self.model),
                "registries": registry_frame(self.model),
                "events": events_frame(self.model),
                "worms": worms_frame(self.model),
            }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, frame in frames.items():
                archive.writestr(f"{name}.csv", frame.to_csv(index=False))
        return buffer.getvalue()
