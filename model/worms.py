"""Worms: a Shai-Hulud-like branching process over the maintainer-token graph, in continuous hours.

A compromised maintainer's token republishes up to k of their packages as trojanised
versions. Each version is live from publication until it is identified and removed (a fast
detection delay plus the registry's removal delay). The versions join the registry's removal
queue as it is: each waits behind the backlog and the worm's earlier versions, which the
registry's spare capacity clears, so a big outbreak at a small registry lengthens its own windows. While live it is installed by other
maintainers who hold publish tokens; each such install steals a token with probability
`p * (1 - token_hygiene)`. A stolen token compromises another maintainer, usually on the
same registry and sometimes (cross-registry spill) on another. The reproduction number is
about k * installs_per_hour * p * (1 - hygiene) * mean_live_hours: above 1 at a 39-hour
window, below 1 at a few hours. A registry contains an outbreak some removal medians after
it first sees it (mass token revocation). The outbreak is simulated to its end, in
continuous hours, in the week it starts.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from agents.registry import Status
from model.malware import undefended_share
from model.streams import poisson_counts

if TYPE_CHECKING:
    from agents.registry import RegistryAgent
    from model.model import RegistryModel

WORM_COLUMNS = [
    "start_time",
    "registry",
    "packages_compromised",
    "maintainers_compromised",
    "registries_reached",
    "duration_hours",
    "trojan_downloads",
    "packages_first_24h",
]


@dataclass(frozen=True)
class WormTarget:
    """What the worm meets at one registry."""

    name: str
    removal_median_hours: float  # service median plus the backlog's wait: sets containment
    removal_sigma: float
    hygiene: np.ndarray  # token hygiene of the registry's sampled maintainers
    packages: np.ndarray  # package counts of the same maintainers
    installs_per_package_hour: float  # all installs of a trojanised (popular) version, per hour
    removal_service_hours: float | None = None  # median of a delay's lognormal part (default: the median)
    removal_cap_hours: float = float("inf")  # the lognormal part is cut here (no backlog)
    removal_wait_hours: float = 0.0  # wait behind the backlog at the outbreak's start
    capacity_per_hour: float = float("inf")  # reports the registry serves per hour
    spare_per_hour: float = float("inf")  # capacity left over by its other arrivals, per hour

    @cached_property
    def victim_odds(self) -> np.ndarray:
        """Cumulative chance of each maintainer being the next victim (active ones install most; computed once)."""
        return np.cumsum(self.packages) / self.packages.sum()

    @property
    def service_hours(self) -> float:
        """Median of the lognormal part of a removal delay, before any wait."""
        return self.removal_median_hours if self.removal_service_hours is None else self.removal_service_hours

    @cached_property
    def exposure(self) -> float:
        """Share of token holders without good hygiene (computed once)."""
        return 1 - float(self.hygiene.mean())


def simulate_outbreak(
    rng: np.random.Generator,
    targets: dict[int, WormTarget],
    first_registry: int,
    start_time: int,
    packages_per_token: int,
    maintainer_installs_per_hour: float,
    theft_prob: float,
    detection_hours: float,
    detection_sigma: float,
    spill_prob: float,
    containment_factor: float,
    containment_max_hours: float,
    max_packages: int,
) -> dict:
    """Run one outbreak to its end; return its row for the `worms` frame.

    Each registry contains the outbreak (mass token revocation) `containment_factor` removal
    medians after the worm first reaches it, and within `containment_max_hours` at the latest:
    later compromises there fail and live versions go.
    """
    queue: list[tuple[float, int]] = [(0.0, first_registry)]
    packages = maintainers = first_day = 0
    downloads = end_hour = 0.0
    contained_at: dict[int, float] = {}
    queued: dict[int, tuple[float, float]] = {}  # registry -> (worm versions in its queue, at hour)
    reachable = [index for index, target in targets.items() if target.packages.size > 0]  # with maintainers
    while queue and packages < max_packages:
        hour, registry = heapq.heappop(queue)
        target = targets[registry]
        if registry not in reachable:
            continue
        containment = min(containment_factor * target.removal_median_hours, containment_max_hours)
        contained_at.setdefault(registry, hour + containment)
        if hour >= contained_at[registry]:
            continue
        maintainers += 1
        victim = int(np.searchsorted(target.victim_odds, rng.random()))
        k = int(min(packages_per_token, max(1, round(target.packages[min(victim, target.packages.size - 1)]))))
        level, since = queued.get(registry, (0.0, hour))
        level = max(0.0, level - target.spare_per_hour * (hour - since)) + k
        queued[registry] = (level, hour)
        removal = np.minimum(
            target.service_hours * np.exp(target.removal_sigma * rng.standard_normal(k)),
            target.removal_cap_hours,
        )
        wait = target.removal_wait_hours + level / target.capacity_per_hour
        windows = detection_hours * np.exp(detection_sigma * rng.standard_normal(k)) + removal + wait
        windows = np.minimum(windows, contained_at[registry] - hour)
        packages += k
        first_day += k if hour < 24 else 0
        downloads += float(windows.sum()) * target.installs_per_package_hour
        end_hour = max(end_hour, hour + float(windows.max()))
        expected = maintainer_installs_per_hour * windows * theft_prob * target.exposure
        for window, thefts in zip(windows, rng.poisson(expected)):
            for offset in rng.random(thefts) * window:
                destination = registry
                if len(reachable) > 1 and rng.random() < spill_prob:
                    destination = int(rng.choice([index for index in reachable if index != registry]))
                heapq.heappush(queue, (hour + float(offset), destination))
    return {
        "start_time": start_time,
        "registry": targets[first_registry].name,
        "packages_compromised": packages,
        "maintainers_compromised": maintainers,
        "registries_reached": len(contained_at),
        "duration_hours": end_hour,
        "trojan_downloads": downloads,
        "packages_first_24h": first_day,
    }


def outbreak_targets(model: RegistryModel) -> dict[int, WormTarget]:
    """What a worm would meet at each open registry right now."""
    p, developers = model.p, model.developers
    targets = {}
    for index, registry in model.registries_by_index.items():
        if registry.status == Status.SHUT_DOWN:
            continue
        members = developers.home == index
        hygiene = developers.token_hygiene[members]
        if registry.kind == "alternative":
            hygiene = hygiene * p.alt_hygiene_factor
        average_package_hour = registry.downloads_served / max(registry.packages, 1.0) / 168
        capacity = max(registry.security_capacity, 1e-9) / 168
        targets[index] = WormTarget(
            name=registry.name,
            removal_median_hours=max(registry.removal_median_hours, 1e-3),
            removal_sigma=p.removal_delay_sigma,
            hygiene=hygiene,
            packages=developers.packages[members],
            installs_per_package_hour=average_package_hour * p.worm_popularity_factor,
            removal_service_hours=max(registry.removal_service_hours, 1e-3),
            removal_cap_hours=p.removal_max_hours_not_overloaded,
            removal_wait_hours=registry.removal_wait_hours,
            capacity_per_hour=capacity,
            spare_per_hour=max(capacity - registry.workload_trend / 168, 0.01 * capacity),
        )
    return targets


#: Where an outbreak comes from; with its start week and its place among those, it keys the outbreak's draws.
RANDOM, SCHEDULED, FIRED_BY_HAND = 0, 1, 2
PLACES_PER_WEEK = 3  # uniforms for where random outbreaks start, drawn with each week's count


def random_starts(model: RegistryModel) -> list[RegistryAgent]:
    """This week's random outbreaks: a Poisson count by inversion, each at an open incumbent drawn by malware share."""
    p = model.p
    uniforms = model.streams.week_uniforms("worms.starts", week=model.week_index, per_week=1 + PLACES_PER_WEEK)
    mean = p.worm_waves_per_year / 52
    if uniforms[0] <= math.exp(-mean):  # P(no outbreak): most weeks, without the general inversion
        return []
    count = int(poisson_counts(uniforms[:1], np.array([mean]))[0])
    open_incumbents = [r for r in model.registry_list[: model.n_incumbents] if r.status != Status.SHUT_DOWN]
    weights = np.array([r.profile.malware_share for r in open_incumbents])
    if weights.sum() <= 0:
        return []
    draws = uniforms[1 : 1 + count]
    if count > PLACES_PER_WEEK:  # rare: more outbreaks than the week's draws cover
        year, week_of_year = divmod(model.week_index, 52)
        extra = model.streams.generator("worms.starts", year, week_of_year).random(count - PLACES_PER_WEEK)
        draws = np.concatenate([draws, extra])
    odds = np.cumsum(weights) / weights.sum()
    places = np.minimum(np.searchsorted(odds, draws, side="right"), len(open_incumbents) - 1)
    return [open_incumbents[int(place)] for place in places]


def start_outbreaks(model: RegistryModel) -> None:
    """Start this week's worm outbreaks (scheduled, fired by hand and random), run each to its end, book the damage.

    Each outbreak draws from its own streams, keyed by its start week, origin and place, so one
    outbreak's size never shifts another's draws.
    """
    p = model.p
    model.developers.compromised[:] = False
    starts: list[tuple[RegistryAgent, int, int]] = []  # (first registry, origin, place)
    if p.worm_outbreak_week is not None and model.time == p.worm_outbreak_week:
        starts.append((model.registries_by_name[p.worm_outbreak_registry], SCHEDULED, 0))
    starts.extend(
        (model.registries_by_name[name], FIRED_BY_HAND, place) for place, name in enumerate(model.pending_worm_starts)
    )
    model.pending_worm_starts.clear()
    starts.extend((registry, RANDOM, place) for place, registry in enumerate(random_starts(model)))
    if not starts:
        return
    targets = outbreak_targets(model)
    for first, origin, place in starts:
        first_index = model.index_of(first)
        if first_index not in targets:
            continue
        key = (model.week_index, origin, place)
        row = simulate_outbreak(
            model.streams.generator("worms.spread", *key),
            targets,
            first_index,
            int(model.time),
            packages_per_token=p.worm_packages_per_token,
            maintainer_installs_per_hour=p.worm_maintainer_installs_per_hour,
            theft_prob=p.worm_token_theft_prob,
            detection_hours=p.worm_detection_hours,
            detection_sigma=p.worm_detection_sigma,
            spill_prob=p.worm_spill_prob,
            containment_factor=p.worm_containment_factor,
            containment_max_hours=p.worm_containment_max_hours,
            max_packages=p.worm_max_packages,
        )
        model.worm_rows.append(row)
        book_outbreak(model, first, row, model.streams.generator("worms.victims", *key))


def book_outbreak(model: RegistryModel, first: RegistryAgent, row: dict, victims: np.random.Generator) -> None:
    """Log the outbreak, mark compromised developers (drawn with `victims`), add its reports and harm."""
    p, developers = model.p, model.developers
    first.reports_per_week += row["packages_compromised"]
    on_registry = np.flatnonzero(developers.home == model.index_of(first))
    n_marked = min(on_registry.size, int(np.ceil(row["maintainers_compromised"] / developers.represented)))
    developers.compromised[victims.choice(on_registry, size=n_marked, replace=False)] = True
    harmful = row["trojan_downloads"] * p.corporate_download_share * undefended_share(model)
    model.harmful_downloads += harmful
    harm = harmful * p.harm_usd_per_malicious_download
    model.corporate_harm_usd += harm
    by_ecosystem = np.zeros(model.n_incumbents)
    by_ecosystem[model.ecosystem_index(first)] = harm
    model.harm_corporations(by_ecosystem)
    model.log_event(
        "worm",
        first.name,
        f"a worm on {first.label} compromised {row['packages_compromised']} packages of "
        f"{row['maintainers_compromised']} maintainers across {row['registries_reached']} registries",
    )
