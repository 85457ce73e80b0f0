"""The run's random streams: one per process of the model, each spawned from the run's seed by its name.

A stream's seed is `SeedSequence(root.entropy, spawn_key=root.spawn_key + (key(name), *keys))`,
where `root` is the run's SeedSequence and `key(name)` a fixed number computed from the name
(CRC-32). A stream's identity therefore comes from its name, never from the order in which
streams are made, so adding a stream changes no other stream's draws. Draws that belong to one
registry, one firm, one week or one year are keyed by it (the `keys`), so that how many numbers
another process drew, or another week, cannot shift them. `STREAMS` is the catalogue: every
stream the model draws from, with what it feeds (docs/model.md, "Random streams", has the table).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from scipy.special import ndtri, pdtr

WEEKS_PER_YEAR = 52

#: Every stream of the model: name -> what it feeds, and how its draws are keyed.
STREAMS: dict[str, str] = {
    "developers.population": "the sampled developers' traits (publishing rate, fee sensitivity, switching cost, "
    "security awareness, token hygiene); drawn once",
    "developers.affiliation": "whether each sampled developer publishes for a company, and what an organisation "
    "seat is worth to that company; drawn once",
    "corporations.population": "the sampled firms (size, usage, budget week, the registries each uses); drawn once",
    "corporations.start": "each firm's starting support mode and contract end: one row of uniforms per firm",
    "corporations.choices": "each firm's yearly support decision: two uniforms per firm (renewal, logit choice), "
    "keyed by budget year",
    "consumers.responses": "each heavy firm's yearly response to charges and limits: one uniform per heavy firm "
    "and incumbent, keyed by budget year",
    "economy.downturns": "whether a year is a downturn: one uniform per year",
    "inkind.renewals": "in-kind donors renewing or leaving: one uniform per registry, donor kind (CDN, cloud) and year",
    "umbrella.donors": "umbrella funders' big donors renewing or returning: one uniform per funder, donor and year",
    "umbrella.rounds": "whether an umbrella funder misses a grant round: one uniform per funder and round week",
    "spam.bursts": "whether a spam burst starts: one uniform per week (drawn a year at a time)",
    "malware.arrivals": "malicious and spam arrival counts: two uniforms per registry and week, turned into "
    "Poisson counts by inversion",
    "malware.delays": "each malicious package's arrival hour, detection and removal delays: per registry and week",
    "worms.starts": "random worm outbreaks: how many start in a week (Poisson by inversion) and where: "
    "four uniforms per week (drawn a year at a time), more from a generator keyed by the week if needed",
    "worms.spread": "one outbreak's spread over the maintainer-token graph, keyed by its start week and place",
    "worms.victims": "which sampled developers one outbreak marks as compromised, keyed like its spread",
    "developers.switching": "each developer's uniform for staying or moving: one per developer and week",
}


def stable_key(text: str) -> int:
    """A fixed whole number for a name (CRC-32 of its UTF-8 bytes): the same in every process and version."""
    return zlib.crc32(text.encode())


def root_seed(generator: np.random.Generator) -> np.random.SeedSequence:
    """The SeedSequence a Mesa model's generator was made from (an int seed n gives SeedSequence(n))."""
    seed = getattr(generator.bit_generator, "seed_seq", None)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(int(generator.integers(2**63)))  # a generator seeded some other way


def poisson_counts(uniforms: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion: for each pair, the smallest k with P(X <= k) >= uniform, X ~ Poisson(mean).

    For a fixed uniform the count never falls as the mean rises, and a small change in the mean
    changes it by at most a little (monotone coupling of two runs on the same uniform). Starts
    from the Cornish-Fisher guess and steps to the exact quantile with the Poisson CDF.
    """
    uniforms, means = np.asarray(uniforms, dtype=float), np.asarray(means, dtype=float)
    counts = np.zeros(means.shape, dtype=np.int64)
    active = (means > 0) & (uniforms > 0)
    if not active.any():
        return counts
    u, mean = uniforms[active], means[active]
    z = ndtri(u)
    k = np.maximum(np.floor(mean + np.sqrt(mean) * z + (z * z - 1) / 6), 0.0)
    while (below := pdtr(k, mean) < u).any():  # step up to the first k with P(X <= k) >= u
        k += below
    while (above := (k > 0) & (pdtr(k - 1, mean) >= u)).any():  # step down while the one before also reaches u
        k -= above
    counts[active] = k
    return counts


class WeeklyStream:
    """One stream cut into a substream per week: week w's draws start w * 2**64 steps into it (PCG64 jump-ahead).

    `at(week)` returns the stream's one generator positioned at that week's substream; use it at
    once (the next `at` call moves it). Jumping ahead is cheaper than seeding a generator per week.
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        """Start the stream from `seed`."""
        self._bits = np.random.PCG64(seed)
        self._start = self._bits.state
        self._generator = np.random.Generator(self._bits)

    def at(self, week: int) -> np.random.Generator:
        """The generator at the start of week `week`'s substream."""
        self._bits.state = self._start
        self._bits.advance(int(week) << 64)
        return self._generator


class Streams:
    """The random streams of one run, spawned from the run's seed by name (see the module docstring)."""

    def __init__(self, root: np.random.SeedSequence) -> None:
        """The streams of the run seeded by `root`."""
        self.root = root
        self._weekly: dict[tuple, WeeklyStream] = {}
        self._years: dict[tuple, tuple[int, np.ndarray]] = {}  # (name, *keys) -> (year, that year's week rows)

    def seed(self, name: str, *keys: Any) -> np.random.SeedSequence:
        """The SeedSequence of stream `name` for `keys` (whole numbers >= 0, or names, keyed by `stable_key`)."""
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}; add it to model.streams.STREAMS")
        spawn_key = tuple(stable_key(k) if isinstance(k, str) else int(k) for k in (name, *keys))
        return np.random.SeedSequence(self.root.entropy, spawn_key=(*self.root.spawn_key, *spawn_key))

    def generator(self, name: str, *keys: Any) -> np.random.Generator:
        """A fresh generator for stream `name` and `keys`."""
        return np.random.Generator(np.random.PCG64(self.seed(name, *keys)))

    def week_uniforms(self, name: str, *keys: Any, week: int, per_week: int) -> np.ndarray:
        """Week `week`'s `per_week` uniforms of stream `name` for `keys` (week w of year y is row w of year y's draws).

        A year's weeks are drawn at once from the generator keyed by `keys` and the year (cheaper
        than a substream per week); `per_week` must be the same for every call on a stream and keys.
        """
        year, week_of_year = divmod(int(week), WEEKS_PER_YEAR)
        cached = self._years.get((name, *keys))
        if cached is None or cached[0] != year:
            cached = self._years[(name, *keys)] = (
                year,
                self.generator(name, *keys, year).random((WEEKS_PER_YEAR, per_week)),
            )
        return cached[1][week_of_year]

    def weekly(self, name: str, *keys: Any) -> WeeklyStream:
        """Stream `name` for `keys`, cut into one substream per week (made once, then reused)."""
        stream = self._weekly.get((name, *keys))
        if stream is None:
            stream = self._weekly[(name, *keys)] = WeeklyStream(self.seed(name, *keys))
        return stream
