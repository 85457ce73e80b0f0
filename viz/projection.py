"""The explorer's projection: a scenario over the whole horizon as an ensemble, against the status quo.

A `Scenario` names what the visitor chose (preset, lever overrides, seed, shocks fired with their
weeks, horizon, catalogue). Its projection runs `MEMBERS` members; member `k` draws from
`numpy.random.SeedSequence(seed, spawn_key=(k,))`, the same seeds as `run_ensemble(seeds=MEMBERS,
root_seed=seed)`, and the status quo runs with the same member seeds (common random numbers: the
same outside world). Each member replays the shocks at their weeks, records its history, and
returns only what the page shows: every chart series of `viz.charts.CHARTS` sampled every
`SAMPLE_WEEKS` weeks, and the headline outcomes of `viz.headlines.HEADLINES`.

Members run in a pool of worker processes shared by every visitor (it holds no one's state), so
the projection gets faster with more cores and with a faster model. A member run asked for by two
projections at once (a page opened while the server projects the status quo) runs once, for both; a
member no projection waits for any more (its lever change was replaced) stops within
`STOP_CHECK_WEEKS` weeks, freeing its worker for the new scenario. Finished projections are
cached by scenario, so moving a lever back, or coming back to the page, redraws at once.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent import futures
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.catalogue import REGISTRIES
from model.ensemble import start_worker
from model.model import RegistryModel
from model.profiles import RegistryCatalogue
from model.scenarios import load_preset
from model.shocks import fire as fire_shock
from viz.charts import CHARTS, Chart
from viz.headlines import HEADLINES, Headline
from viz.history import RunHistory

MEMBERS = 8
SAMPLE_WEEKS = 4
QUANTILES = (0.1, 0.5, 0.9)
CACHED_PROJECTIONS = 64
RUNS_ENV = "BORROWED_TIME_PROJECTION_RUNS"
POLL_SECONDS = 0.02  # how often a projection checks whether a newer one replaced it
STOP_CHECK_WEEKS = 13  # how often a running member checks whether any projection still waits for it
STOP_SLOTS = 1024  # member runs in the workers at once with a stop flag shared with them (more run unstoppable)
STATUS_QUO = "status-quo"


@dataclass(frozen=True)
class Scenario:
    """What a projection runs: preset, lever overrides, seed, shocks fired as (week, name), horizon in weeks."""

    preset: str = STATUS_QUO
    overrides: tuple[tuple[str, Any], ...] = ()
    seed: int = 0
    shocks: tuple[tuple[int, str], ...] = ()
    horizon_weeks: int = 520
    catalogue: RegistryCatalogue = REGISTRIES
    start_year: int | None = (
        None  # the status quo's start year follows the scenario's (the history preset starts in 2019)
    )

    def status_quo(self) -> Scenario:
        """The status quo with the same seed, horizon, catalogue and start year: no levers, no shocks."""
        start = self.parameters().start_year
        if start == load_preset(STATUS_QUO).parameters(catalogue=self.catalogue).start_year:
            start = None  # the status quo's own start year: the same scenario as the status quo preset
        return Scenario(STATUS_QUO, (), self.seed, (), self.horizon_weeks, self.catalogue, start_year=start)

    def parameters(self):
        """The validated model parameters of this scenario."""
        extra = {} if self.start_year is None else {"start_year": self.start_year}
        return load_preset(self.preset).parameters(catalogue=self.catalogue, **dict(self.overrides), **extra)


@dataclass(frozen=True, eq=False)  # compared by identity: its arrays have no truth value
class MemberOutcome:
    """One member's chart series (key -> (x in years, y)) and headline values (key -> value)."""

    member: int
    series: dict[str, tuple[np.ndarray, np.ndarray]]
    headlines: dict[str, float]


def run_member(
    scenario: Scenario, member: int, charts: Sequence[Chart] = CHARTS, stop: Callable[[], bool] = lambda: False
) -> MemberOutcome | None:
    """Run one member of a scenario over its horizon, replaying its shocks; keep what the page shows.

    None if `stop()` turned true (checked every `STOP_CHECK_WEEKS` weeks): nobody waits for this member any more.
    """
    params = scenario.parameters()
    rng = np.random.SeedSequence(scenario.seed, spawn_key=(member,))
    model = RegistryModel(params, rng=rng, catalogue=scenario.catalogue)
    due: dict[int, list[str]] = {}
    for week, name in scenario.shocks:
        due.setdefault(week, []).append(name)
    while model.time < scenario.horizon_weeks and model.running:
        if int(model.time) % STOP_CHECK_WEEKS == 0 and stop():
            return None
        for name in due.get(int(model.time), []):
            fire_shock(model, name)
        model.step()
    history = RunHistory.from_model(model, scenario.catalogue.names)
    return MemberOutcome(member, chart_series(history, scenario.catalogue, charts), headline_values(history))


def chart_series(
    history: RunHistory, catalogue: RegistryCatalogue, charts: Sequence[Chart] = CHARTS
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every series of every chart, lines sampled every `SAMPLE_WEEKS` weeks (the last week always kept)."""
    keep = sampled(len(history))
    result = {}
    for chart in charts:
        for item in chart.series(catalogue):
            x, y = item.data(history)
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            result[f"{chart.key}:{item.label}"] = (x, y) if item.points else (x[keep], y[keep])
    return result


def sampled(weeks: int) -> np.ndarray:
    """Indices of the weeks drawn: every `SAMPLE_WEEKS`th, ending on the last."""
    if weeks == 0:
        return np.zeros(0, dtype=int)
    return np.unique(np.concatenate([np.arange(weeks - 1, -1, -SAMPLE_WEEKS)[::-1], [weeks - 1]]))


def headline_values(history: RunHistory, headlines: Sequence[Headline] = HEADLINES) -> dict[str, float]:
    """Each headline outcome of one run."""
    return {headline.key: float(headline.value(history)) for headline in headlines}


@dataclass(eq=False)
class Band:
    """A series over an ensemble: x, and the 10%, median and 90% values at each x over the members."""

    x: np.ndarray
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray


@dataclass(eq=False)  # compared by identity: the page re-renders for every new snapshot
class Projection:
    """The members of a scenario's ensemble that have finished (all of them once `complete`)."""

    scenario: Scenario
    members: dict[int, MemberOutcome] = field(default_factory=dict)
    size: int = MEMBERS
    _bands: dict[tuple[str, int], Band | None] = field(default_factory=dict, repr=False)

    def snapshot(self) -> Projection:
        """A copy holding the members finished so far (the page draws it while more finish).

        It shares the bands computed so far (by key and member count: the members only grow), so a status
        quo whose runs are all in is not summarised again at each update of the scenario beside it.
        """
        return Projection(self.scenario, dict(self.members), self.size, self._bands)

    @property
    def complete(self) -> bool:
        """Whether every member has finished."""
        return len(self.members) >= self.size

    def band(self, key: str) -> Band | None:
        """A line series over the finished members (None before any has); computed once per key and member count."""
        cache_key = (key, len(self.members))
        if cache_key not in self._bands:
            self._bands[cache_key] = self._band(key)
        return self._bands[cache_key]

    def _band(self, key: str) -> Band | None:
        """The 10%, median and 90% of a line series over the finished members."""
        runs = [outcome.series[key] for outcome in self._ordered() if key in outcome.series]
        if not runs:
            return None
        length = min(len(x) for x, _ in runs)
        x = runs[0][0][:length]
        ys = np.vstack([y[:length] for _, y in runs])
        low, median, high = column_quantiles(ys, QUANTILES)
        return Band(x, low, median, high)

    def points(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """A points series of every finished member, together."""
        runs = [outcome.series[key] for outcome in self._ordered() if key in outcome.series]
        if not runs:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([x for x, _ in runs]), np.concatenate([y for _, y in runs])

    def headline(self, key: str) -> np.ndarray:
        """One headline outcome per finished member, in member order."""
        return np.array([outcome.headlines[key] for outcome in self._ordered()], dtype=float)

    def _ordered(self) -> list[MemberOutcome]:
        """Finished members in member order (so results never depend on which finished first)."""
        return [self.members[k] for k in sorted(self.members)]


def column_quantiles(values: np.ndarray, quantiles: Sequence[float]) -> list[np.ndarray]:
    """Each column's quantiles ignoring NaN (numpy's linear method, vectorised: nanquantile loops over columns)."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    count = (~np.isnan(ordered)).sum(axis=0)
    columns = np.arange(ordered.shape[1])
    result = []
    for quantile in quantiles:
        position = quantile * np.maximum(count - 1, 0)
        low, high = np.floor(position).astype(int), np.ceil(position).astype(int)
        below, above = ordered[low, columns], ordered[high, columns]
        with np.errstate(invalid="ignore"):
            value = below + (above - below) * (position - low)
        result.append(np.where(count > 0, value, np.nan))
    return result


_STOP_FLAGS = None  # in a worker: the member runs' stop flags, shared with the server (one byte each)


def _start_projection_worker(parent_pid: int, stop_flags) -> None:
    """Pool initializer: the ensemble's (Ctrl-C to the parent, end with it), and keep the shared stop flags."""
    global _STOP_FLAGS
    start_worker(parent_pid)
    _STOP_FLAGS = stop_flags


def _member_task(task: tuple[Scenario, int, int | None]) -> MemberOutcome | None:
    """Worker entry point: one member, stopped early (None) once its stop flag is raised."""
    scenario, member, slot = task
    flags = _STOP_FLAGS
    if flags is None or slot is None:
        return run_member(scenario, member)
    return run_member(scenario, member, stop=lambda: flags[slot] != 0)


@dataclass(eq=False)
class _Run:
    """A member run in the workers and how many projections wait for it (at 0 it is stopped)."""

    future: futures.Future
    slot: int | None
    waiting: int = 0


class Projector:
    """Runs projections in a pool of worker processes shared by every visitor, caching finished ones by scenario."""

    def __init__(self, workers: int | None = None, members: int = MEMBERS) -> None:
        """A projector with `workers` processes (default: one per core; 1 runs members in this process)."""
        self.workers = workers or os.cpu_count() or 1
        self.members = members
        self._pool: futures.Executor | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[Scenario, Projection] = OrderedDict()
        self._runs: dict[tuple[Scenario, int], _Run] = {}  # member runs in the workers, by scenario and member
        self._stop_flags = None  # with the pool: one byte per slot, raised when nobody waits for its run
        self._free_slots: list[int] = []
        self.submitted = 0  # member runs sent to the workers since the start

    def _executor(self) -> futures.Executor | None:
        """The worker pool, started on first use (None: run in this process)."""
        if self.workers == 1:
            return None
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["viz.projection"])
                self._stop_flags = context.RawArray("b", STOP_SLOTS)
                self._free_slots = list(range(STOP_SLOTS))
                self._pool = futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_start_projection_worker,
                    initargs=(os.getpid(), self._stop_flags),
                )
            return self._pool

    def cached(self, scenario: Scenario) -> Projection | None:
        """The projection of a scenario run before (complete, or with the members that finished)."""
        with self._lock:
            found = self._cache.get(scenario)
            if found is not None:
                self._cache.move_to_end(scenario)
            return found

    def in_flight(self) -> int:
        """Member runs in the workers (or queued for them) that some projection waits for."""
        with self._lock:
            return len(self._runs)

    def _remember(self, projections: Sequence[Projection]) -> None:
        """Keep projections (even unfinished: their members are not run again), the newest last."""
        with self._lock:
            for projection in projections:
                self._cache[projection.scenario] = projection
                self._cache.move_to_end(projection.scenario)
            while len(self._cache) > CACHED_PROJECTIONS:
                self._cache.popitem(last=False)

    def project(
        self,
        scenarios: Sequence[Scenario],
        on_update: Callable[[list[Projection]], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Projection] | None:
        """Project several scenarios at once; `on_update` gets them as members finish; None if cancelled."""
        scenarios[0].parameters()  # bad input fails here, before any worker starts
        by_scenario: dict[Scenario, Projection] = {}
        for scenario in scenarios:  # a scenario asked for twice (the status quo against itself) runs once
            if scenario not in by_scenario:
                by_scenario[scenario] = self.cached(scenario) or Projection(scenario, size=self.members)
        projections = [by_scenario[scenario] for scenario in scenarios]
        self._remember(list(by_scenario.values()))
        # member by member across the scenarios: the first pair (scenario and status quo) is in after one member's time
        todo = [(p.scenario, k) for k in range(self.members) for p in by_scenario.values() if k not in p.members]
        cancelled = cancel.is_set if cancel is not None else lambda: False
        if on_update is not None:
            on_update(projections)
        with closing(self._outcomes(todo, cancelled)) as outcomes:
            for scenario, outcome in outcomes:
                by_scenario[scenario].members[outcome.member] = outcome
                if on_update is not None:
                    on_update(projections)
        return None if cancelled() else projections

    def _outcomes(self, todo: list[tuple[Scenario, int]], cancelled: Callable[[], bool]):
        """Run members, yielding (scenario, outcome) as each finishes; stop waiting for the rest if cancelled."""
        if not todo:
            return
        executor = self._executor()
        if executor is None:
            for scenario, member in todo:
                if cancelled():
                    return
                yield scenario, run_member(scenario, member)
            return
        runs = self._join(executor, todo)
        pending = {run.future: key for key, run in runs.items()}
        try:
            while pending and not cancelled():
                done, _ = futures.wait(pending, timeout=POLL_SECONDS, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    scenario, _ = pending.pop(future)
                    outcome = None if future.cancelled() else future.result()
                    if outcome is not None:
                        yield scenario, outcome
        finally:
            self._leave(runs)

    def _join(self, executor: futures.Executor, todo: list[tuple[Scenario, int]]) -> dict[tuple[Scenario, int], _Run]:
        """Wait for these member runs: the ones already in the workers are shared, the others sent now."""
        with self._lock:
            runs = {}
            for key in todo:
                run = self._runs.get(key)
                if run is None:
                    slot = self._free_slots.pop() if self._free_slots else None
                    if slot is not None:
                        self._stop_flags[slot] = 0
                    run = _Run(executor.submit(_member_task, (*key, slot)), slot)
                    self.submitted += 1
                    if slot is not None:  # the slot is free again once the run has ended (the callback takes no lock)
                        run.future.add_done_callback(lambda _, slot=slot: self._free_slots.append(slot))
                    self._runs[key] = run
                run.waiting += 1
                runs[key] = run
            return runs

    def _leave(self, runs: dict[tuple[Scenario, int], _Run]) -> None:
        """Stop waiting for these runs: a run nobody waits for any more is forgotten, and stopped if not finished."""
        with self._lock:
            for key, run in runs.items():
                run.waiting -= 1
                if run.waiting > 0:
                    continue
                if self._runs.get(key) is run:
                    del self._runs[key]
                if not run.future.done():  # a newer scenario needs the workers
                    if run.slot is not None:
                        self._stop_flags[run.slot] = 1
                    run.future.cancel()

    def shutdown(self) -> None:
        """End the workers (tests and benchmarks; the server's workers end with it)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


_SHARED: Projector | None = None
_SHARED_LOCK = threading.Lock()


def shared_projector() -> Projector:
    """The server's projector (worker processes and finished projections are shared; no visitor's state is).

    Its runs per projection are $BORROWED_TIME_PROJECTION_RUNS (`borrowed-time app --runs`), else `MEMBERS`.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            runs = os.environ.get(RUNS_ENV, "")
            _SHARED = Projector(members=int(runs) if runs.isdigit() and int(runs) >= 1 else MEMBERS)
        return _SHARED


WARM_ENV = "BORROWED_TIME_WARM_PROJECTION"


def warm_up() -> None:
    """Under `borrowed-time app` ($BORROWED_TIME_WARM_PROJECTION set): project the status quo in the background now."""
    if os.environ.get(WARM_ENV) != "1":
        return
    threading.Thread(target=lambda: shared_projector().project([Scenario()]), name="warm-up", daemon=True).start()
