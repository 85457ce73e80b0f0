"""Round summaries and the scoreboard: each role's own goal and the shared one (ecosystem harm).

Scores compare the room's run with the status quo played without teams (same seed, same event
cards, every role at its default behaviour), so luck shared by both runs cancels out.

- Registry board, per round: survival points by status at year end (healthy 60, strained 45,
  degraded 30, read-only 15, shut down 0) plus up to 40 security points,
  40 * log(300 h / removal median) / log(300 h / 1 h), clipped to 0..40. Total = sum over rounds.
- Corporations: 100 * status-quo (support paid + malware harm) / the room's, cumulative (above
  100 is better than the status quo).
- Umbrella and public funder: hours of removal delay cut versus the status quo at the
  grant-eligible registries (PyPI, crates.io, RubyGems in the shipped catalogue; year-end medians
  summed over registries and rounds) per USD 1M the funder paid to registries (0 when it paid
  nothing). Removal medians
  follow funded staff, so they are far less luck-driven than malware downloads.
- Shared: cumulative corporate malware harm, and its change versus the status quo in percent.
"""

from __future__ import annotations

import math
from typing import Any

from model.model import WEEKS_PER_YEAR, RegistryModel
from model.reporters import COST_ITEMS, REVENUE_SOURCES
from model.runner import model_frame, registry_frame
from viz.workshop.roles import RoleBook

STATUS_POINTS = {"healthy": 60, "strained": 45, "degraded": 30, "read_only": 15, "shut_down": 0}
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
        "public_paid_usd": float(payments.get("public funder", 0.0)),
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


def scoreboard(
    results: dict[int, dict[str, Any]], baseline: dict[int, dict[str, Any]], book: RoleBook
) -> dict[str, Any]:
    """Every role's score and the shared harm score over the rounds played so far."""
    rounds = sorted(r for r in results if r in baseline)
    scores: dict[str, float] = {}
    for name in book.registry_roles:
        scores[name] = round(sum(registry_points(results[r]["registries"][name]) for r in rounds), 1)
    room_cost = sum(results[r]["corporate_support_usd"] + results[r]["corporate_harm_usd"] for r in rounds)
    base_cost = sum(baseline[r]["corporate_support_usd"] + baseline[r]["corporate_harm_usd"] for r in rounds)
    scores["corporations"] = round(100 * base_cost / room_cost, 1) if room_cost > 0 else 100.0
    hours_cut = sum(
        baseline[r]["registries"][name]["removal_median_hours"] - results[r]["registries"][name]["removal_median_hours"]
        for r in rounds
        for name in book.grant_eligible
    )
    for role, key in (("umbrella", "umbrella_paid_usd"), ("public", "public_paid_usd")):
        paid = sum(results[r][key] for r in rounds)
        scores[role] = round(hours_cut / (paid / 1e6), 2) if paid > 0 else 0.0
    harm = sum(results[r]["corporate_harm_usd"] for r in rounds)
    base_harm = sum(baseline[r]["corporate_harm_usd"] for r in rounds)
    return {
        "rounds": len(rounds),
        "scores": scores,
        "units": {
            **dict.fromkeys(book.registry_roles, "points (max 100 a round)"),
            "corporations": "status quo cost / your cost x 100",
            "umbrella": "removal hours cut at grantees per USD 1M",
            "public": "removal hours cut at grantees per USD 1M",
        },
        "shared_harm_usd": harm,
        "shared_harm_change_pct": round(100 * (harm - base_harm) / base_harm, 1) if base_harm > 0 else 0.0,
    }
