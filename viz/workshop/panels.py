"""Panels several workshop views share: the round banner, the scoreboard and what happened last year."""

from __future__ import annotations

import re
from typing import Any

import solara

from viz.workshop.display import Countdown
from viz.workshop.room import WorkshopRoom
from viz.workshop.text import Bullets, Emphasis, Heading, Line, Strong, TextTable
from viz.workshop.wording import card_text, money

_LOG_LINE = re.compile(r"^week (\d+): (.*)$")
WEEKS_PER_YEAR = 52


def status_text(status: str, row: dict[str, Any] | None = None) -> str:
    """A registry status in words ('read_only' -> 'read-only'; 'in receivership' when a summary row says so)."""
    if row is not None and row.get("receivership_debt_usd", 0.0) > 0:
        return "in receivership (read-only)" if status == "read_only" else f"in receivership ({status})"
    return {"read_only": "read-only", "shut_down": "shut down"}.get(status, status.replace("_", " "))


def round_title(snap: dict[str, Any]) -> str:
    """'Round 2 of 8 (year 2027)', or that the game is over."""
    if snap["finished"]:
        return f"Game over: {snap['rounds_total']} years played"
    return f"Round {snap['current_round'] + 1} of {snap['rounds_total']} (year {snap['year']})"


@solara.component
def RoundBanner(room: WorkshopRoom, version: float = 0, note: str = "") -> None:
    """The round and year, the timer ticking in the browser, and an optional note (e.g. whether a decision is in)."""
    snap = room.snapshot()
    with solara.Div(classes=["bt-banner"]):
        solara.Div(children=[Strong(round_title(snap))])
        if not snap["finished"]:
            Countdown(snap["deadline_unix"], idle_text="no timer running")
        if note:
            solara.Div(children=[note])


def joined_text(role: str, team: str | None, joined: dict[str, int]) -> str:
    """Who plays a role: the team, and which rounds the model played before it joined."""
    if team is None:
        return "(played by the model)"
    late = joined.get(role, 0)
    if late == 0:
        return team
    rounds = "round 1" if late == 1 else f"rounds 1–{late}"
    return f"{team} (joined for round {late + 1}; {rounds} played by the model count in the score)"


@solara.component
def Scoreboard(room: WorkshopRoom, version: float = 0) -> None:
    """Every role's score (0 to 100, 50 = the status quo) and verdict, who played it, and the room's outcome."""
    board = room.scoreboard()
    if not board["rounds"]:
        Line(Emphasis("Scores appear after the first year."))
        return
    teams, joined = room.teams(), room.joined_rounds()
    TextTable(
        ["Role", "Played by", "Score (0–100)", "Goal", "This room", "Status quo"],
        [
            [
                room.roles.labels[role],
                joined_text(role, teams.get(role), joined),
                f"{row['score']:.0f}",
                verdict(row),
                row["room"],
                row["status_quo"],
            ]
            for role, row in board["rows"].items()
        ],
        right=[2],
    )
    Line(Strong("The room: "), room_outcome(room, board["room"]))
    Line(
        Emphasis(
            "50 is the status quo (the same years, the same outside events and cards, played with no teams); "
            "100 is 25% better or more; a goal is met at 51."
        )
    )


def verdict(row: dict[str, Any]) -> str:
    """'met' or 'missed', in words."""
    return "✓ met" if row["met"] else "✗ missed"


def room_outcome(room: WorkshopRoom, outcome: dict[str, Any]) -> str:
    """The room's shared outcome in one sentence: harm against the status quo, and registries in receivership."""
    names = ", ".join(room.catalogue[n].label for n in outcome["in_receivership"]) or "none"
    base = len(outcome["in_receivership_status_quo"])
    return (
        f"shared goal {verdict(outcome).split(' ')[1]} ({outcome['score']:.0f}/100): malware harm to firms "
        f"{money(outcome['harm_usd'])}, {outcome['harm_change_pct'] + 0.0:+.1f}% against the status quo; "
        f"in receivership at the end: {names} (status quo: {base}); no team was eliminated."
    )


def log_rows(lines: list[str]) -> list[list[str]]:
    """A year's event log as rows of (week of the year, what happened)."""
    rows = []
    for line in lines:
        match = _LOG_LINE.match(line)
        if match:
            week = (int(match.group(1)) - 1) % WEEKS_PER_YEAR + 1
            rows.append([f"week {week}", match.group(2)])
        else:
            rows.append(["", line])
    return rows


@solara.component
def LatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """What happened in the last year played: registries, the ecosystem, the cards, the log."""
    results = room.results()
    if not results:
        return
    last = results[max(results)]
    Heading(f"What happened in {last['year']}", level=4)
    TextTable(
        ["Registry", "Status", "Runway (months)", "Removal median (h)", "Security staff (FTE)"],
        [
            [
                room.catalogue[name].label,
                status_text(reg["status"], reg),
                f"{reg['runway_months']:.1f}",
                f"{reg['removal_median_hours']:.1f}",
                f"{reg['security_fte']:.1f}",
            ]
            for name, reg in last["registries"].items()
        ],
        right=[2, 3, 4],
    )
    Line(
        f"Worm outbreaks: {last['worm_outbreaks']}; malware harm to firms {money(last['corporate_harm_usd'])}; "
        f"developers on alternative registries {100 * last['share_developers_on_alternatives']:.1f}%."
    )
    if last.get("rescues"):
        Line(Strong(f"Rescues at the start of {last['year']}:"))
        Bullets(last["rescues"])
    played = [e for e in room.events(include_upcoming=False) if e["round"] == last["round"]]
    if played:
        Line(Strong("Event cards this year:"))
        Bullets([card_text(e, room.roles) for e in played])
    if last["events"]:
        Line(Strong(f"Log of {last['year']}:"))
        TextTable(["When", "What happened"], log_rows(last["events"][:15]))


@solara.component
def ScoresAndLatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """The scoreboard card, then what happened in the last year played."""
    with solara.Card("Scoreboard"):
        Scoreboard(room, version)
    LatestRound(room, version)
