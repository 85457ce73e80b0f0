"""Limits on guessing a room's secrets: join codes, facilitator keys and team tokens, per client.

Each client (a browser's network address) has a bucket of `BURST` guesses that refills at
`GUESSES_PER_S`; every wrong code, key or token takes one. A client with an empty bucket is
refused, right or wrong, until it refills, and each refusal is logged. Right guesses cost
nothing, so a page that re-checks its own key on every render never runs dry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from viz.workshop.roles import WorkshopError

GUESSES_PER_S = 2.0
BURST = 5
#: Buckets kept before full (idle) ones are dropped.
MAX_CLIENTS = 10_000

log = logging.getLogger("borrowed_time.workshop")


class TooManyGuesses(WorkshopError):
    """A client guessed wrong too often, too fast."""


class GuessLimiter:
    """A token bucket of wrong guesses per client, shared by every page of the server."""

    def __init__(
        self, per_second: float = GUESSES_PER_S, burst: int = BURST, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Allow `burst` wrong guesses at once, refilled at `per_second`."""
        self.per_second, self.burst, self.clock = per_second, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (guesses left, when counted)
        self._lock = threading.Lock()

    def _left(self, client: str, now: float) -> float:
        """Guesses the client has left now (call with the lock held)."""
        left, then = self._buckets.get(client, (self.burst, now))
        return min(self.burst, left + (now - then) * self.per_second)

    def check(self, client: str, what: str) -> None:
        """Refuse (one line, logged) a client that has no guesses left; `what` names the secret tried."""
        with self._lock:
            if self._left(client, self.clock()) >= 1:
                return
        log.warning("refused a %s try from %s: too many wrong guesses", what, client)
        raise TooManyGuesses("too many wrong codes or keys from this address; wait a few seconds and try again")

    def wrong(self, client: str) -> None:
        """Take one guess from the client's bucket."""
        with self._lock:
            now = self.clock()
            self._buckets[client] = (max(0.0, self._left(client, now) - 1), now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (call with the lock held)."""
        for client in [c for c in self._buckets if self._left(c, now) >= self.burst]:
            del self._buckets[client]
