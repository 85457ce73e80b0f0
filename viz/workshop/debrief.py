"""The debrief: one large chart at a time with the cards and decision changes on its timeline, decisions and
cards in words, the scores, and the causal-loop diagram with the loops this room set going highlighted."""

from __future__ import annotations

from typing import Any

import solara

from viz.workshop import charts
from viz.workshop.diagram import diagram_address
from viz.workshop.display import Picture, SharedPicture
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.loops import LOOPS, QUESTIONS, loops_seen
from viz.workshop.panels import Scoreboard
from viz.workshop.room import WorkshopRoom
from viz.workshop.text import Bullets, Emphasis, Heading, Line, Strong, TextTable
from viz.workshop.wording import card_text, decision_timeline, money

METRIC_LABELS = {
    "runway": "Runway",
    "removal": "Removal delay",
    "security": "Security staff",
    "alternatives": "Alternatives",
    "harm": "Harm to firms",
    "support": "Corporate support",
}


def played_story(room: WorkshopRoom) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cards played and every change of a decision in force, over the rounds played."""
    played = room.current_round
    cards = [e for e in room.events(include_upcoming=False) if e["round"] <= played]
    timeline = decision_timeline(room.store.decisions(room.code), room.roles, played)
    return cards, timeline


@solara.component
def Debrief(room: WorkshopRoom, router: Any) -> None:
    """Replay, decisions, scores and causal loops of the room's run."""
    version = use_room_version(room)
    StoreProblem(room.store, version)
    played = room.current_round
    Heading(f"Debrief — room {room.name} ({played} year{'' if played == 1 else 's'} played)", level=2)
    solara.Button("Back to the game", on_click=lambda: router.push(f"{router.path}?room={room.code}"), text=True)
    with solara.lab.Tabs():
        with solara.lab.Tab("Replay"):
            Replay(room, version)
        with solara.lab.Tab("Decisions"):
            Decisions(room, version)
        with solara.lab.Tab("Scores"):
            Scoreboard(room, version)
        with solara.lab.Tab("Causal loops"):
            CausalLoops(room, version)


@solara.component
def Replay(room: WorkshopRoom, version: float = 0) -> None:
    """One large chart at a time, the cards and decision changes marked and listed (numbered as in the chart)."""
    metric, set_metric = solara.use_state("runway")
    if not room.results():
        Line(Emphasis("No year played yet."))
        return
    cards, timeline = played_story(room)
    start_year = room.teams_run.model.p.start_year
    solara.ToggleButtonsSingle(
        value=metric,
        on_value=set_metric,
        children=[solara.Button(label, value=name) for name, label in METRIC_LABELS.items()],
        classes=["bt-choice"],
    )
    chart = charts.debrief_chart(room, metric, cards, timeline)
    SharedPicture(room, chart, f"{chart.title} by year, with event cards and decision changes")
    Line(
        Emphasis(
            "Solid lines: this room. Dashed: the status quo, every role at the model's default, with the same event "
            "cards and the same outside events (downturns, donors, missed rounds: the same random numbers). "
            "Red dotted lines: event cards. Numbered dots: decision changes, listed below."
        )
    )
    if cards:
        Line(Strong("Event cards:"))
        Bullets([f"{start_year + e['round'] - 1}: {card_text(e, room.roles)}" for e in cards])
    if timeline:
        teams = room.teams()
        TextTable(
            ["No.", "Year", "Who", "What changed"],
            [
                [
                    str(number),
                    str(start_year + item["round"] - 1),
                    room.roles.labels[item["role"]] + (f" ({teams[item['role']]})" if item["role"] in teams else ""),
                    "; ".join(item["changes"]),
                ]
                for number, item in enumerate(timeline, start=1)
            ],
            right=[0],
        )
    else:
        Line("No team changed a decision: every role played the model's default.")


@solara.component
def Decisions(room: WorkshopRoom, version: float = 0) -> None:
    """Each year: the cards played, what each team changed, the rescues and who ended it in receivership, in words."""
    cards, timeline = played_story(room)
    start_year = room.teams_run.model.p.start_year
    if not room.current_round:
        Line(Emphasis("No year played yet."))
        return
    rows = []
    results = room.results()
    for round_number in range(1, room.current_round + 1):
        year = str(start_year + round_number - 1)
        for event in (e for e in cards if e["round"] == round_number):
            rows.append([year, "Event card", card_text(event, room.roles)])
        for item in (i for i in timeline if i["round"] == round_number):
            rows.append([year, room.roles.labels[item["role"]], "; ".join(item["changes"])])
        summary = results.get(round_number, {})
        for rescue in summary.get("rescues", []):
            rows.append([year, "Rescue", rescue])
        owing = [
            f"{room.catalogue[name].label} (owes {money(row['receivership_debt_usd'])})"
            for name, row in summary.get("registries", {}).items()
            if row.get("receivership_debt_usd", 0.0) > 0
        ]
        if owing:
            rows.append([year, "In receivership at year end", ", ".join(owing)])
        if not any(row[0] == year for row in rows):
            rows.append([year, "", "no card, no change"])
    TextTable(["Year", "Who", "What changed"], rows)
    statement = room.decisions_in_force(room.current_round)["developers"]["statement"]
    if statement:
        solara.Info(f"Developer community's last statement: {statement}")


@solara.component
def CausalLoops(room: WorkshopRoom, version: float = 0) -> None:
    """The loop diagram, highlighted by this room's run, and each loop's story with what set it going here."""
    cards, _ = played_story(room)
    seen = loops_seen(room.results(), room.status_quo_results(), room.store.decisions(room.code), cards, room.roles)
    highlighted = ", ".join(code for code in seen) or "none yet"
    Picture(diagram_address(frozenset(seen)), f"Causal-loop diagram; loops set going in this room: {highlighted}")
    Line(
        Emphasis(
            "+: the next variable moves the same way; −: the opposite way. Coloured: the loops this room's run set "
            "going; grey: loops that stayed quiet here."
        )
    )
    TextTable(
        ["Loop", "What it is", "In this room"],
        [
            [f"{loop.code} — {loop.name} ({loop.kind})", loop.story.replace("*", ""), seen.get(loop.code, "not seen")]
            for loop in LOOPS
        ],
    )
    solara.Markdown(QUESTIONS)
