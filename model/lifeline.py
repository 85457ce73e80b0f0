"""Worker processes that end with the process that started them, even when it is killed with SIGKILL.

A process pool's workers wait for work on a pipe that they hold open themselves, so a killed
parent leaves them waiting forever. `end_with_parent` is the pool's initializer: a daemon thread
in each worker watches the parent (a Linux pidfd, or polling elsewhere) and ends the worker when
the parent is gone.
"""

from __future__ import annotations

import os
import select
import threading
import time

POLL_S = 1.0  # how often to look for the parent where pidfds are not available


def end_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this process as soon as the process `parent_pid` has ended."""
    try:
        watch = os.pidfd_open(parent_pid)
    except ProcessLookupError:
        os._exit(1)  # the parent is already gone
    except (AttributeError, OSError):  # no pidfd on this platform
        watch = None
    threading.Thread(target=_wait_then_exit, args=(parent_pid, watch), name="lifeline", daemon=True).start()


def _wait_then_exit(parent_pid: int, watch: int | None) -> None:
    """Block until the parent ends, then end this process at once."""
    if watch is not None:
        select.select([watch], [], [])  # a pidfd becomes readable when its process ends
    else:
        while _alive(parent_pid):
            time.sleep(POLL_S)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
