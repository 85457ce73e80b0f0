"""Rescues: no team is eliminated. A registry in trouble gets choices, and funders pay for bail-outs from their budgets.

The room's runs use the model's receivership setting (`receivership_instead_of_shutdown`): a
registry that cannot pay its bills is not shut down; an administrator advances the shortfall, the
registry stays open (read-only while it has no cash) and owes the advance. At each year boundary
the decisions in force answer any registry in trouble:

- its board may call an emergency appeal (the model's appeal, at most once a year), cut its
  'other' costs before low runway forces it, and switch on the paid tier (a board lever);
- a funder may bail it out: it pays the registry's rescue need (the administrator's advances,
  then cash up to `RESCUE_RUNWAY_MONTHS` of runway) from this year's budget, so that money is
  not there for its grants and programmes this year.

With no team choosing, the model's own responses still act (the appeal on leaving health, the
cost cuts and security cuts of low runway, the administrator's advances): every charge meets a
response, and the team keeps playing.
"""

from __future__ import annotations

from typing import Any

from model.model import RegistryModel

#: Runway a bail-out restores, in months of cash cost: the strained threshold (4) plus the recovery margin (2).
RESCUE_RUNWAY_MONTHS = 6.0
#: What the facilitator's projection calls trouble: these statuses, or owing an administrator.
TROUBLE_STATUSES = ("strained", "degraded", "read_only")


def rescue_need_usd(registry: Any) -> float:
    """What bailing a registry out costs now: its debt to the administrator plus cash up to the rescue runway."""
    short = max(0.0, RESCUE_RUNWAY_MONTHS * registry.monthly_cash_cost - registry.cash)
    return registry.receivership_debt_usd + short


def in_trouble(row: dict[str, Any]) -> str:
    """'receivership', 'trouble' or '' for a registry's round-summary row."""
    if row.get("receivership_debt_usd", 0.0) > 0:
        return "receivership"
    return "trouble" if row["status"] in TROUBLE_STATUSES else ""


def bail_out(model: RegistryModel, name: str, payer: str, budget_usd: float) -> float:
    """A funder rescues registry `name` within `budget_usd`: the advances are repaid first, the rest is cash.

    Returns what the funder paid (at most its budget; nothing for a registry not in need).
    """
    registry = model.registries_by_name[name]
    paid = min(rescue_need_usd(registry), max(budget_usd, 0.0))
    if paid <= 0:
        return 0.0
    left = registry.repay_receivership(paid)
    model.record_payment(payer, paid - left)  # the administrator is paid back on the funder's account
    if left > 0:
        registry.receive("grant", left, payer=payer)
    model.log_event("bail_out", name, f"{payer} bailed out {registry.label} (USD {paid:,.0f})")
    return paid


def board_responses(model: RegistryModel, name: str, decision: dict[str, Any]) -> list[str]:
    """Apply a board's rescue choices for the coming year; return what it did, in words."""
    registry = model.registries_by_name[name]
    registry.board_cost_cuts = bool(decision["cost_cuts"])
    done = ["cut its other costs"] if decision["cost_cuts"] else []
    if decision["emergency_appeal"]:
        appeals = len([e for e in model.events if e["kind"] == "appeal"])
        registry.emergency_appeal()
        made = len([e for e in model.events if e["kind"] == "appeal"]) > appeals
        done.append("called an emergency appeal" if made else "asked for an appeal (too soon after the last one)")
    return done
