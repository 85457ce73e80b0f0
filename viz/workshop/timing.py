"""Timestamps of the path from Advance to the pages, in the server log, when asked for.

With the environment variable `BORROWED_TIME_WORKSHOP_TIMING=1`, each step writes one line to
standard error: `timing <Unix time in ms> <step> <room code> [<detail>]`. The browser benchmark
(`benchmarks/workshop_browser_latency.py`) turns these into a breakdown of where the time goes;
without the variable nothing is written.
"""

from __future__ import annotations

import os
import sys
import time

TIMING_ENV = "BORROWED_TIME_WORKSHOP_TIMING"
ENABLED = os.environ.get(TIMING_ENV, "") not in ("", "0")


def mark(step: str, room_code: str, detail: str = "") -> None:
    """Write one timestamped line for `step` (no-op unless timing is on)."""
    if ENABLED:
        print(f"timing {time.time() * 1000:.1f} {step} {room_code} {detail}".rstrip(), file=sys.stderr, flush=True)
