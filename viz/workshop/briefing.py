"""Round 0 briefing: each team's starting numbers, their trend and what happens if nothing changes.

"If nothing changes" comes from an ensemble of status-quo runs (`model.ensemble.run_ensemble`)
over the room's years, rooted at the room's seed and played as the room plays (receivership
instead of shutdown, the funders' fixed budgets at their defaults). It is computed once per room
in a background thread (its members in up to two worker processes) and kept in memory; pages show
the starting numbers at once and the projection when it is ready (the room then tells its pages).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from model.ensemble import run_ensemble
from model.model import WEEKS_PER_YEAR
from viz.workshop.roles import FUNDER_BUDGET_USD
from viz.workshop.room import WorkshopRoom

#: Status-quo runs in a room's projection (its spread shows how much luck matters).
ENSEMBLE_SEEDS = 8
#: Worker processes for the projection (the server's own threads keep serving pages).
ENSEMBLE_WORKERS = 2
#: Whether pages start the projection (tests of the pages alone turn it off, as they turn live updates off).
PROJECTIONS = True

_projections: dict[tuple[int, int, tuple[str, ...]], dict[str, Any] | None] = {}
_lock = threading.Lock()


def start_numbers(room: WorkshopRoom) -> dict[str, dict[str, float]]:
    """Each registry's numbers at the start of the first year (before any team decides; {} once a year is played)."""
    with room.lock:
        if room.current_round:
            return {}
        model = room.teams_run.model
        return {
            r.name: {
                "cash_usd": float(r.cash),
                "runway_months": float(r.runway_months),
                "cash_cost_usd_per_year": float(r.monthly_cash_cost * 12),
                "security_fte": float(r.security_fte),
                "publishers": float(r.publishers),
            }
            for r in model.registry_list
            if r.kind == "incumbent"
        }


def projection(room: WorkshopRoom) -> dict[str, Any] | None:
    """The room's status-quo projection, or None while it is computed (the first call starts it)."""
    key = (room.seed, room.rounds_total, room.catalogue.names)
    with _lock:
        if key in _projections or not PROJECTIONS:
            return _projections.get(key)
        _projections[key] = None
    threading.Thread(target=_compute, args=(room, key), name=f"briefing-{room.code}", daemon=True).start()
    return None


def _compute(room: WorkshopRoom, key: tuple[int, int, tuple[str, ...]]) -> None:
    """Run the ensemble, keep its summary and tell the room's pages."""
    try:
        result = summarise(
            run_ensemble(
                "status-quo",
                years=room.rounds_total,
                seeds=ENSEMBLE_SEEDS,
                catalogue=room.catalogue,
                workers=ENSEMBLE_WORKERS,
                root_seed=room.seed,
                receivership_instead_of_shutdown=True,
                umbrella_budget_usd_per_year=FUNDER_BUDGET_USD["umbrella"],
                public_funder_budget_usd_per_year=FUNDER_BUDGET_USD["public"],
            ),
            room.rounds_total,
        )
    except Exception as exc:  # a projection that fails must not take the room down; say so on the server
        print(f"warning: room {room.code}: the status-quo projection failed ({exc})", file=sys.stderr)
        result = {"error": str(exc)}
    with _lock:
        _projections[key] = result
    room.notify_pages()


def summarise(ensemble: Any, years: int) -> dict[str, Any]:
    """Per registry and year end: median runway and removal delay, and members in receivership; ecosystem medians."""
    frame, events, eco = ensemble.registries, ensemble.events, ensemble.model
    ends = [WEEKS_PER_YEAR * y for y in range(1, years + 1)]
    year_of = {end: int(frame.loc[frame["time"] == end, "year"].iloc[0]) for end in ends}
    registries = {}
    for name in frame.loc[frame["kind"] == "incumbent", "registry"].unique():
        rows = frame[frame["registry"] == name]
        entered = events[(events["kind"] == "receivership") & (events["registry"] == name)]
        registries[str(name)] = {
            "runway_months": [float(np.median(rows.loc[rows["time"] == end, "runway_months"])) for end in ends],
            "removal_median_hours": [
                float(np.median(rows.loc[rows["time"] == end, "removal_median_hours"])) for end in ends
            ],
            "receivership_runs": [int(entered.loc[entered["time"] <= end, "seed"].nunique()) for end in ends],
        }
    yearly = {
        column: [float(np.median(eco.loc[eco["time"] == end, column])) for end in ends]
        for column in ("share_developers_on_alternatives", "removal_median_hours_pooled")
    }
    harm = [
        float(
            eco[(eco["time"] > end - WEEKS_PER_YEAR) & (eco["time"] <= end)]
            .groupby("seed")["corporate_harm_usd"]
            .sum()
            .median()
        )
        for end in ends
    ]
    return {
        "years": [year_of[end] for end in ends],
        "runs": len(ensemble.seeds),
        "registries": registries,
        "corporate_harm_usd": harm,
        **yearly,
    }
