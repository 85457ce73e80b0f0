"""Round summaries and the scoreboard: every role scored 0 to 100 against the status quo, and the room's outcome.

Scores compare the room's run with the status quo played without teams: the same seed, so the
same outside events (each process draws from its own stream, `model/streams.py`), the same event
cards, and every role at its default behaviour. Each role has an indicator summed over the
rounds played so far; its gain g is the room's relative improvement on the status quo, and

    score = clip(50 + 50 * g / FULL_MARKS_GAIN, 0, 100)

so 50 is the status quo, 100 a FULL_MARKS_GAIN (25%) improvement or more, 0 as much worse. A goal
is met when the score is at least MET_SCORE (51: at least 0.5% better than the status quo).

- Registry board: its points, each year survival points by status at year end (healthy 60,
  strained 45, degraded 30, read-only or in receivership 15) plus up to 40 security points,
  40 * log(300 h / removal median) / log(300 h / 1 h), clipped to 0..40.
- Corporations: cost = support paid + malware harm (lower is better).
- Umbrella and public funder: the grant-eligible registries' points (PyPI, crates.io, RubyGems
  in the shipped catalogue), bought with a fixed budget.
- Developer community: half malware downloads (lower is better), half the share of developers
  on alternative registries, a move of FORCED_MOVES_SCALE (10 points of share) counting as a 100% gain.
- The room: corporate malware harm (lower is better), with how many registries ended in
  receivership in the room and in the status quo.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from model.model import WEEKS_PER_YEAR, RegistryModel
from model.reporters import COST_ITEMS, REVENUE_SOURCES
from model.runner import model_frame, registry_frame
from viz.workshop.rescue import rescue_need_usd
from viz.workshop.roles import RoleBook

STATUS_POINTS = {"healthy": 60, "strained": 45, "degraded": 30, "read_only": 15, "shut_down": 0}
#: A relative improvement on the status quo that earns full marks (100); as much worse earns 0 (assumption).
FULL_MARKS_GAIN = 0.25
#: Lowest score counted as the goal met: at least 0.5% better than the status quo.
MET_SCORE = 51.0
#: Points of the share of developers on alternatives that count as a 100% gain or loss for the community (assumption).
FORCED_MOVES_SCALE = 0.10
SECURITY_POINTS = 40
UNSTAFFED_REMOVAL_HOURS = 300.0
CORPORATE_MODES = ("donation", "opex", "paid_tier")


def round_summary(model: RegistryModel, round_number: int) -> dict[str, Any]:
    """What happened in one model year: registry stocks and flows, ecosystem totals, events."""
    first, last = (round_number - 1) * WEEKS_PER_YEAR + 1, round_number * WEEKS_PER_YEAR
    ecosystem = model_frame(model)
    ecosystem = ecosystem[(ecosystem["time"] >= first) & (ecosystem["time"] <= last)]
    panel = registry_frame(model)
    panel = panel[(panel["time"] >= first) & (panel["time"] <= last)]
    registries = {}
    for name in model.catalogue.names:
        rows = panel[panel["registry"] == name]
        end = rows.iloc[-1]
        revenue = {source: float(rows[f"revenue_{source}_usd"].sum()) for source in REVENUE_SOURCES}
        registries[name] = {
            "status": str(end["status"]),
            "cash_usd": float(end["cash_usd"]),
            "runway_months": _finite(end["runway_months"]),
            "removal_median_hours": float(end["removal_median_hours"]),
            "security_fte": float(end["security_fte"]),
            "publishers": float(end["publishers"]),
            "revenue_usd": revenue,
            "cost_usd": float(sum(rows[f"cost_{item}_usd"].sum() for item in COST_ITEMS)),
            "malware_downloads": float(rows["malware_downloads"].sum()),
            "receivership_debt_usd": float(model.registries_by_name[name].receivership_debt_usd),
            "rescue_need_usd": float(rescue_need_usd(model.registries_by_name[name])),
        }
    payments = getattr(model, "_payment_totals", {})  # the last 52 weeks of payments by payer = this year
    events = [e for e in model.events if first <= e["time"] <= last]
    return {
        "round": round_number,
        "year": model.p.start_year + round_number - 1,
        "registries": registries,
        "corporate_harm_usd": float(ecosystem["corporate_harm_usd"].sum()),
        "corporate_support_usd": float(sum(r["revenue_usd"][m] for r in registries.values() for m in CORPORATE_MODES)),
        "malware_downloads": float(ecosystem["malware_downloads"].sum()),
        "removal_median_hours_pooled": float(ecosystem["removal_median_hours_pooled"].iloc[-1]),
        "share_developers_on_alternatives": float(ecosystem["share_developers_on_alternatives"].iloc[-1]),
        "support_share_opex": float(ecosystem["support_share_opex"].iloc[-1]),
        "support_share_donation": float(ecosystem["support_share_donation"].iloc[-1]),
        "worm_outbreaks": int(sum(1 for w in model.worm_rows if first <= w.get("start_time", 0) <= last)),
        "umbrella_paid_usd": float(sum(v for k, v in payments.items() if k.startswith("umbrella funder"))),
        "public_paid_usd": float(sum(v for k, v in payments.items() if k.startswith("public funder"))),
        "events": [f"week {e['time']}: {e['detail']}" for e in events][:40],
    }


def _finite(value: Any) -> float:
    """A float, with infinity capped at 999 months (JSON has no infinity)."""
    value = float(value)
    return 999.0 if math.isinf(value) or math.isnan(value) else min(value, 999.0)


def registry_points(row: dict[str, Any]) -> float:
    """One registry's points for one year: survival by status plus security by removal speed."""
    hours = max(row["removal_median_hours"], 1.0)
    security = SECURITY_POINTS * math.log(UNSTAFFED_REMOVAL_HOURS / hours) / math.log(UNSTAFFED_REMOVAL_HOURS)
    return STATUS_POINTS[row["status"]] + min(max(security, 0.0), SECURITY_POINTS)


def score_of(gain: float) -> float:
    """A gain on the status quo (0.1 = 10% better) on the 0 to 100 scale (50 = the status quo)."""
    return round(min(100.0, max(0.0, 50 + 50 * gain / FULL_MARKS_GAIN)), 1)


def _gain_higher(room: float, base: float) -> float:
    """Relative gain of an indicator where more is better."""
    return (room - base) / base if base > 0 else (1.0 if room > 0 else 0.0)


def _gain_lower(room: float, base: float) -> float:
    """Relative gain of an indicator where less is better."""
    return (base - room) / base if base > 0 else (-1.0 if room > 0 else 0.0)


def _row(gain: float, room_text: str, base_text: str) -> dict[str, Any]:
    """A scoreboard row: score, verdict and the indicator in words for the room and the status quo."""
    score = score_of(gain)
    return {"score": score, "met": score >= MET_SCORE, "room": room_text, "status_quo": base_text}


def _total(runs: dict[int, dict[str, Any]], rounds: list[int], value: Callable[[dict[str, Any]], float]) -> float:
    """An indicator summed over the rounds played."""
    return float(sum(value(runs[r]) for r in rounds))


def _points(names: tuple[str, ...]) -> Callable[[dict[str, Any]], float]:
    """A year's points of some registries (their status and removal speed)."""
    return lambda year: sum(registry_points(year["registries"][name]) for name in names)


def _corporate_cost(year: dict[str, Any]) -> float:
    """Firms' cost in a year: support paid plus malware harm."""
    return year["corporate_support_usd"] + year["corporate_harm_usd"]


def _in_receivership(year: dict[str, Any] | None, book: RoleBook) -> list[str]:
    """Registries owing an administrator at the end of a year (none before the first)."""
    if year is None:
        return []
    return [name for name in book.registry_roles if year["registries"][name]["receivership_debt_usd"] > 0]


def scoreboard(
    results: dict[int, dict[str, Any]], baseline: dict[int, dict[str, Any]], book: RoleBook
) -> dict[str, Any]:
    """Every role's score (0 to 100, 50 = the status quo) and verdict, and the room's outcome, over the rounds played."""
    rounds = sorted(r for r in results if r in baseline)
    rows: dict[str, dict[str, Any]] = {}
    for name in (*book.registry_roles, "umbrella", "public"):
        names = (name,) if name in book.registry_roles else book.grant_eligible
        room, base = _total(results, rounds, _points(names)), _total(baseline, rounds, _points(names))
        rows[name] = _row(_gain_higher(room, base), f"{room:,.0f} points", f"{base:,.0f} points")
    room, base = _total(results, rounds, _corporate_cost), _total(baseline, rounds, _corporate_cost)
    rows["corporations"] = _row(_gain_lower(room, base), f"cost {money_text(room)}", f"cost {money_text(base)}")
    last_room = results[rounds[-1]] if rounds else None
    last_base = baseline[rounds[-1]] if rounds else None
    malware_room = _total(results, rounds, lambda year: year["malware_downloads"])
    malware_base = _total(baseline, rounds, lambda year: year["malware_downloads"])
    moved_room = last_room["share_developers_on_alternatives"] if last_room else 0.0
    moved_base = last_base["share_developers_on_alternatives"] if last_base else 0.0
    rows["developers"] = _row(
        0.5 * _gain_lower(malware_room, malware_base) + 0.5 * (moved_base - moved_room) / FORCED_MOVES_SCALE,
        f"{malware_room:,.0f} malware downloads, {100 * moved_room:.1f}% moved",
        f"{malware_base:,.0f} malware downloads, {100 * moved_base:.1f}% moved",
    )
    harm_room = _total(results, rounds, lambda year: year["corporate_harm_usd"])
    harm_base = _total(baseline, rounds, lambda year: year["corporate_harm_usd"])
    outcome = _row(_gain_lower(harm_room, harm_base), f"harm {money_text(harm_room)}", f"harm {money_text(harm_base)}")
    outcome |= {
        "harm_usd": harm_room,
        "harm_change_pct": round(100 * (harm_room - harm_base) / harm_base, 1) if harm_base > 0 else 0.0,
        "in_receivership": _in_receivership(last_room, book),
        "in_receivership_status_quo": _in_receivership(last_base, book),
    }
    return {"rounds": len(rounds), "rows": {role: rows[role] for role in book.roles}, "room": outcome}


def money_text(usd: float) -> str:
    """USD in millions, short."""
    return f"USD {usd / 1e6:,.2f}M"
