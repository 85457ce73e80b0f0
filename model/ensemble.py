"""`run_ensemble()`: one scenario over several seeds, in parallel, as the tidy frames of `run()` with a `seed` column.

Seeds: a whole number N gives N members; member k runs with the seed
`numpy.random.SeedSequence(root_seed, spawn_key=(k,))` (the children a sweep with `seed = root_seed`
gives its replications, so an ensemble's members are a sweep's baseline runs) and its rows read
`seed = k`. A list of whole numbers runs `run(seed=s)` for each s and its rows read `seed = s`.
Members run in a pool of worker processes (one per core, at most one per member) that end with
this process, even when it is killed; results are put together in seed order, so the frames are
the same whatever the number of workers, and each member's rows equal a single `run()`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.lifeline import end_with_parent
from model.parameters import ModelParameters, ParameterError
from model.profiles import RegistryCatalogue
from model.runner import RunResult, run
from model.scenarios import Scenario, check_years, load_scenario

FRAMES = ("model", "registries", "events", "worms")
MAX_SEEDS = 10_000


@dataclass
class EnsembleResult:
    """The output of an ensemble: `run()`'s frames for every member, each with a `seed` column first."""

    scenario: str
    seeds: list[int]  # the members' labels, in order (the `seed` column's values)
    years: float
    params: ModelParameters
    model: pd.DataFrame
    registries: pd.DataFrame
    events: pd.DataFrame
    worms: pd.DataFrame

    def member(self, seed: int) -> RunResult:
        """One member's frames (without the `seed` column) as a `RunResult`."""
        if seed not in self.seeds:
            raise ParameterError(f"seed {seed!r} is not a member of this ensemble (members: {self.seeds[:10]} ...)")
        frames = {
            name: frame[frame["seed"] == seed].drop(columns="seed").reset_index(drop=True)
            for name, frame in ((name, getattr(self, name)) for name in FRAMES)
        }
        return RunResult(self.scenario, seed, self.years, self.params, **frames)


def member_seeds(seeds: Any, root_seed: int = 0) -> list[tuple[int, int | np.random.SeedSequence]]:
    """Each member's label and the seed it runs with (see the module docstring); a one-line error for bad input."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer, list, tuple)):
        raise ParameterError(f"'seeds' must be a whole number of seeds or a list of seeds (got {seeds!r:.80})")
    if isinstance(seeds, (int, np.integer)):
        if not 1 <= seeds <= MAX_SEEDS:
            raise ParameterError(f"'seeds' must be a whole number from 1 to {MAX_SEEDS} (got {seeds})")
        if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)) or root_seed < 0:
            raise ParameterError(f"'root_seed' must be a whole number >= 0 (got {root_seed!r:.80})")
        return [(k, np.random.SeedSequence(int(root_seed), spawn_key=(k,))) for k in range(int(seeds))]
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise ParameterError(f"'seeds' must list 1 to {MAX_SEEDS} seeds (got {len(seeds)})")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"'seeds' must list whole numbers >= 0 (got {seed!r:.80})")
    if len(set(seeds)) < len(seeds):
        raise ParameterError("'seeds' lists a seed twice; give each seed once")
    return [(int(seed), int(seed)) for seed in seeds]


def _member_frames(task: tuple) -> tuple[pd.DataFrame, ...]:
    """Run one member (in a worker process) and return its four frames."""
    scenario, years, seed, catalogue, overrides = task
    result = run(scenario, years=years, seed=seed, catalogue=catalogue, **overrides)
    return tuple(getattr(result, name) for name in FRAMES)


def _start_worker(parent_pid: int) -> None:
    """Pool initializer: leave Ctrl-C to the parent (which ends the pool), and end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent(parent_pid)


def start_method() -> str:
    """How workers start: forked from this process while it runs one thread, else from a fork server.

    A fork copies this process, the model already imported, so a worker starts in milliseconds; it
    is only safe while no other thread can hold a lock (an app's server threads), so then the
    workers are forked from a server process that imports the model once.
    """
    single = threading.active_count() == 1
    return "fork" if single and "fork" in multiprocessing.get_all_start_methods() else "forkserver"


start_worker = _start_worker  # its public name: the explorer's projection pool starts its workers with it too


def _worker_pool(workers: int) -> futures.ProcessPoolExecutor:
    """A pool of `workers` processes that start with the model imported (`start_method`); they end with this process."""
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["model.ensemble"])  # the server imports the model once (ignored once started)
    return futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    )


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C while worker processes start, then raise it: no process is left half-started.

    The workers and their server inherit the blocked SIGINT (the parent handles Ctrl-C). Outside
    the main thread, where Python cannot set handlers, the block alone applies.
    """
    pressed: list[int] = []
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda signum, _: pressed.append(signum)) if in_main_thread else None
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _stop_now(pool: futures.ProcessPoolExecutor) -> None:
    """Cancel the members not started and end the workers at once (on Ctrl-C or an error)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 and later
    if terminate is not None:
        terminate()
        return
    workers = list((pool._processes or {}).values())  # the same, before 3.14 (shutdown forgets them)
    for process in workers:  # first, so no worker still starting finds the pool's queues gone and prints a traceback
        process.terminate()
    for process in workers:
        process.join(timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)


def run_ensemble(
    scenario: str | Path | Scenario | dict[str, Any] | None = "status-quo",
    years: float | None = None,
    seeds: int | list[int] = 8,
    catalogue: RegistryCatalogue | None = None,
    workers: int | None = None,
    root_seed: int = 0,
    **overrides: Any,
) -> EnsembleResult:
    """Run a scenario for `years` over `seeds` (a count or a list; see the module docstring), in parallel.

    `workers` is the number of processes (default: one per core, at most one per member; 1 runs
    every member in this process). Parameters are checked before any member starts.
    """
    resolved = load_scenario(scenario)
    years = resolved.years if years is None else years
    check_years(years)
    params = resolved.parameters(catalogue=catalogue, **overrides)  # bad input fails here, before any worker starts
    members = member_seeds(seeds, root_seed)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ParameterError(f"'workers' must be a whole number >= 1 (got {workers!r:.80})")
    workers = min(workers or os.cpu_count() or 1, len(members))
    tasks = [(resolved, years, seed, catalogue, overrides) for _, seed in members]
    if workers == 1:
        outputs = [_member_frames(task) for task in tasks]
    else:
        pool = _worker_pool(workers)
        try:
            with _ctrl_c_held():  # the server and workers start with Ctrl-C blocked: it is the parent's to handle
                pending = [pool.submit(_member_frames, task) for task in tasks]
            outputs = [future.result() for future in pending]
        except BaseException:
            _stop_now(pool)
            raise
        pool.shutdown(wait=True)
    labels = [label for label, _ in members]
    frames = {
        name: pd.concat(
            [output[position].assign(seed=label) for label, output in zip(labels, outputs)], ignore_index=True
        )
        for position, name in enumerate(FRAMES)
    }
    frames = {name: frame[["seed", *[c for c in frame.columns if c != "seed"]]] for name, frame in frames.items()}
    return EnsembleResult(resolved.name, labels, years, params, **frames)
