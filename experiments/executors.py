"""Where a sweep's runs go: a local process pool, or a Dask cluster, both as a `concurrent.futures.Executor`.

Pool workers end with the sweep, even when it is killed (`model/lifeline.py`). On a Dask
cluster, before the first run every worker must import the model and run the same model code as
this machine (one-line error naming the worker otherwise); while the sweep runs, a cluster with no
worker for `worker_timeout_s` seconds, or a lost scheduler, stops the sweep (finished runs are
kept; `--resume` carries on) instead of leaving it waiting forever.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

from experiments.provenance import code_change
from experiments.spec import SpecError
from model.lifeline import end_with_parent

DEFAULT_WORKER_TIMEOUT_S = 60.0
CONNECT_TIMEOUT = "20s"


class ClusterLost(RuntimeError):
    """The cluster has no worker left, or the scheduler cannot be reached."""


@dataclass
class Workers:
    """An executor, how many runs it can take at once, how to close it, and a check that it still has workers."""

    executor: futures.Executor
    slots: int
    close: Callable[[], None]
    check: Callable[[], None] = lambda: None


def local_pool(workers: int) -> Workers:
    """A pool of `workers` processes on this machine that end when this process ends."""
    pool = futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )
    return Workers(pool, workers, lambda: pool.shutdown(wait=True, cancel_futures=True))


def dask_cluster(
    address: str,
    code: dict[str, Any],
    worker_timeout_s: float = DEFAULT_WORKER_TIMEOUT_S,
    allow_code_change: bool = False,
) -> Workers:
    """The Dask cluster at `address`, once a worker has joined and every worker passed `check_workers`."""
    client = connect(address, worker_timeout_s)
    try:
        check_workers(client, address, code, allow_code_change)
    except BaseException:
        client.close()
        raise
    slots = max(1, sum(client.nthreads().values()))
    return Workers(
        client.get_executor(), slots, lambda: client.close(timeout=10), WorkerWatch(client, worker_timeout_s)
    )


def worker_code_version() -> dict[str, Any]:
    """Run on a worker: import the model, then report the worker's code version."""
    import model.runner  # noqa: F401 (the import a run needs)
    from experiments.provenance import code_version

    return code_version()


QUIET_LOGGERS = (
    "distributed",
    "tornado",
)  # their warnings and tracebacks on a lost cluster: the sweep reports it in one line


def connect(address: str, worker_timeout_s: float) -> Any:
    """A Dask client of the scheduler at `address`, once at least one worker has joined.

    Dask's and tornado's own log lines in this process are silenced (a lost worker or a cancelled
    future logs warnings and tracebacks there); the sweep reports what happened in one line.
    """
    from dask.distributed import Client

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SpecError(f"--scheduler {address!r}: cannot connect ({exc.__class__.__name__})") from None
    try:
        client.wait_for_workers(1, timeout=worker_timeout_s)
    except TimeoutError:
        client.close()
        raise SpecError(
            f"--scheduler {address!r}: no Dask worker joined within {worker_timeout_s:g} s "
            "(start workers with `dask worker ADDRESS`, or raise --worker-timeout)"
        ) from None
    return client


def check_workers(client: Any, address: str, code: dict[str, Any], allow_code_change: bool) -> None:
    """Every worker imports the model and runs this machine's model code, or a one-line error names it."""
    for worker, result in sorted(client.run(worker_code_version, on_error="return").items()):
        if isinstance(result, BaseException):
            reason = str(result).replace("\n", " ")[:200]
            raise SpecError(
                f"--scheduler {address!r}: Dask worker {worker} cannot import the model ({reason}); "
                "install borrowed-time on every worker"
            )
        change = code_change(result, code)
        if change and not allow_code_change:
            raise SpecError(
                f"--scheduler {address!r}: Dask worker {worker} runs other code than this machine ({change}); "
                "install the same version everywhere, or pass --allow-code-change"
            )


class WorkerWatch:
    """Called between results: raises `ClusterLost` once the cluster has had no worker for the timeout."""

    def __init__(self, client: Any, worker_timeout_s: float) -> None:
        """Watch `client`'s cluster."""
        self.client = client
        self.worker_timeout_s = worker_timeout_s
        self.empty_since: float | None = None

    def __call__(self) -> None:
        """Check the cluster once."""
        try:
            workers = len(self.client.nthreads())
        except Exception as exc:
            raise ClusterLost(f"lost the Dask scheduler ({exc.__class__.__name__})") from None
        if workers:
            self.empty_since = None
            return
        self.empty_since = self.empty_since or time.monotonic()
        if time.monotonic() - self.empty_since > self.worker_timeout_s:
            raise ClusterLost(f"the Dask cluster has had no worker for {self.worker_timeout_s:g} s")
