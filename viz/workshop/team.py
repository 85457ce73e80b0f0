"""A team's page: its goal, the round and timer, its decision form, its numbers and charts, the scoreboard.

The form shows each field's name in words with what it allows (a `<label>` tied to its input,
wrapping on a phone); values are checked on the server when submitted. Whether the team's
decision for the coming round is in comes from the room, never from an old message, so a
banner can only ever speak of the round being played.
"""

from __future__ import annotations

import re
from typing import Any, get_args

import reacton.ipyvuetify as v
import solara

from viz.workshop import charts
from viz.workshop.briefing import projection, start_numbers
from viz.workshop.display import SharedPicture
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.panels import RoundBanner, ScoresAndLatestRound, joined_text, status_text
from viz.workshop.rescue import in_trouble
from viz.workshop.roles import FUNDER_BUDGET_USD, NO_BAIL_OUT, WorkshopError, field_range
from viz.workshop.room import WorkshopRoom
from viz.workshop.text import Bullets, Emphasis, Heading, Line, Strong, TextTable
from viz.workshop.wording import choice_text, field_hint, field_label, input_text, money

_WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")


def draft_of(decision: dict[str, Any], form: Any) -> dict[str, Any]:
    """A decision as the form's inputs hold it: numbers as text, the rest as they are."""
    return {
        name: input_text(decision[name]) if spec.annotation in (int, float) else decision[name]
        for name, spec in form.model_fields.items()
    }


def parse_draft(draft: dict[str, Any], form: Any) -> dict[str, Any]:
    """The form's inputs as a decision (numbers parsed and in range), or a one-line error naming the field in words.

    The server validates the decision again when it is submitted; this says what is wrong in the form's own words.
    """
    decision = {}
    for name, spec in form.model_fields.items():
        value = draft[name]
        if spec.annotation in (int, float):
            text = str(value).strip().replace(",", "")
            try:
                number = float(text)
            except ValueError:
                raise WorkshopError(f"{field_label(spec)}: {text!r} is not a number ({field_hint(spec)})") from None
            if spec.annotation is int:
                if not _WHOLE.match(text):
                    raise WorkshopError(f"{field_label(spec)}: a whole number is needed ({field_hint(spec)})")
                number = int(number)
            low, high = field_range(spec)
            if (low is not None and number < low) or (high is not None and number > high):
                raise WorkshopError(f"{field_label(spec)}: {text} is outside the allowed {field_hint(spec)}")
            value = number
        decision[name] = value
    return decision


@solara.component
def Field(name: str, spec: Any, value: Any, on_value: Any) -> None:
    """One decision field: its name in words and what it allows above the input, tied to it as its label."""
    element_id = f"bt-field-{name}"
    kind = spec.annotation
    with solara.Div(classes=["bt-field"]):
        if kind is bool:
            v.Checkbox(
                label=field_label(spec), v_model=bool(value), on_v_model=on_value, id=element_id, hide_details=True
            )
            return
        v.Html(
            tag="label",
            attributes={"for": element_id},
            class_="bt-field-label",
            children=[field_label(spec), v.Html(tag="span", class_="bt-field-hint", children=[field_hint(spec)])],
        )
        if get_args(kind):
            v.Select(
                items=[{"text": choice_text(option), "value": option} for option in get_args(kind)],
                v_model=value,
                on_v_model=on_value,
                id=element_id,
                dense=True,
                outlined=True,
                hide_details=True,
            )
        elif kind is str:
            v.Textarea(
                v_model=value, on_v_model=on_value, id=element_id, rows=3, auto_grow=True, outlined=True, counter=True
            )
        else:
            v.TextField(
                v_model=value,
                on_v_model=on_value,
                id=element_id,
                dense=True,
                outlined=True,
                hide_details=True,
            )


@solara.component
def DecisionForm(room: WorkshopRoom, token: str, role: str, version: float = 0) -> None:
    """The role's decision form, prefilled with the decision in force; validated by the server on submit."""
    snap = room.snapshot()
    coming = snap["current_round"] + 1
    form = room.roles.forms[role]
    in_force = room.decisions_in_force(coming)[role]
    draft, set_draft = solara.use_state(draft_of(in_force, form), key=f"{role}-{coming}-{room.history_epoch}")
    error, set_error = solara.use_state("")
    sent_round, set_sent_round = solara.use_state(0)
    # the same callback per field for the page's life (it changes the current draft), so that a field
    # whose value did not change is not drawn again
    latest = solara.use_ref(set_draft)
    latest.current = set_draft
    setters = solara.use_memo(lambda: field_setters(latest, form), dependencies=[role])

    def submit() -> None:
        """Send the draft to the room."""
        try:
            room.submit(token, role, parse_draft(draft, form))
        except WorkshopError as exc:
            set_error(str(exc))
            return
        set_error("")
        set_sent_round(coming)

    for name, spec in form.model_fields.items():
        Field(name, spec, draft[name], setters[name])
    with solara.Div(classes=["bt-actions"]):
        solara.Button("Submit decisions", on_click=submit, color="primary", disabled=snap["finished"])
    if error:
        solara.Error(error)
    elif sent_round == coming and role in snap["submitted"]:
        solara.Success(f"Submitted for round {coming} ({snap['year']}).")


def field_setters(latest: Any, form: Any) -> dict[str, Any]:
    """For each field, a function changing that field of the current draft (`latest.current` sets the draft).

    It changes the latest version of the draft, so two quick changes both count.
    """

    def setter(name: str) -> Any:
        """Change field `name` of the draft."""
        return lambda value: latest.current(lambda current: {**current, name: value})

    return {name: setter(name) for name in form.model_fields}


def decision_note(room: WorkshopRoom, role: str) -> str:
    """Whether this team's decision for the coming round is in (from the room, so never stale)."""
    snap = room.snapshot()
    if snap["finished"]:
        return ""
    if role in snap["submitted"]:
        return f"Your decision for round {snap['current_round'] + 1} is in; you may change it until the year is played."
    return f"Your decision for round {snap['current_round'] + 1} is not in yet (last year's stays in force if you send none)."


@solara.component
def TeamView(room: WorkshopRoom, token: str, role: str, router: Any, on_forget: Any = None) -> None:
    """A team's dashboard: goal, round and timer, decision form, numbers, charts and the scoreboard."""
    version = use_room_version(room)
    try:
        team = room.team_for(token)
    except WorkshopError as exc:  # the facilitator replaced this link or freed the role while the page was open
        solara.Error(str(exc))
        if on_forget is not None:
            solara.Button("Join with the room code", on_click=on_forget, color="primary")
        return
    StoreProblem(room.store, version)
    late = joined_text(role, team["team_name"], {role: team["joined_round"]}) if team["joined_round"] else ""
    TeamHeader(f"{room.roles.labels[role]} — team {team['team_name']}", room.roles.goals[role], room.code, late)
    RoundBanner(room, version, note=decision_note(room, role))
    RescuePanel(room, role, version)
    BriefingCard(room, role, version)
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card(f"Your decisions for {room.snapshot()['year']}"):
            DecisionForm(room, token, role, version)
        with solara.Card("Your numbers"):
            Stocks(room, role, version)
    TeamCharts(room, role, version)
    statement = room.decisions_in_force(room.current_round + 1)["developers"]["statement"]
    if statement and role != "developers":
        solara.Info(f"Developer community: {statement}")
    ScoresAndLatestRound(room, version)
    DebriefButton(router, room.code)


@solara.component
def TeamHeader(title: str, goal: str, code: str, late: str) -> None:
    """The team's role and name, its goal, and when it joined if late (drawn again only when one of them changes)."""
    Heading(title, level=2)
    Line(Strong("Your goal: "), goal, f" (room {code})")
    if late:
        Line(Emphasis(late))


@solara.component
def DebriefButton(router: Any, code: str) -> None:
    """The button opening the room's debrief."""
    with solara.Div(classes=["bt-actions"]):
        solara.Button("Open the debrief", on_click=lambda: router.push(f"{router.path}?room={code}&view=debrief"))


@solara.component
def TeamCharts(room: WorkshopRoom, role: str, version: float = 0) -> None:
    """The team's charts, drawn once per room and round (shared with every page of this role)."""
    pictures = charts.team_charts(room, role)
    if not pictures:
        return
    with solara.ColumnsResponsive(12, medium=6):
        for chart in pictures:
            SharedPicture(room, chart, f"{chart.title}: this room (solid) against the status quo (dashed)")


@solara.component
def Stocks(room: WorkshopRoom, role: str, version: float = 0) -> None:
    """The numbers a role watches, at the end of the last year played."""
    results = room.results()
    if not results:
        Line(Emphasis("No year has been played yet: your starting numbers are in the briefing above."))
        return
    last = results[max(results)]
    if role in room.roles.registry_roles:
        reg = last["registries"][role]
        revenue = ", ".join(f"{source} {money(value)}" for source, value in reg["revenue_usd"].items() if value)
        Bullets(
            [
                f"Status: {status_text(reg['status'], reg)}",
                f"Cash: {money(reg['cash_usd'])} ({reg['runway_months']:.1f} months of runway)",
                f"Revenue in {last['year']}: {revenue or 'none'}",
                f"Costs in {last['year']}: {money(reg['cost_usd'])}",
                f"Security staff: {reg['security_fte']:.1f} FTE; malware removal median {reg['removal_median_hours']:.1f} h",
                f"Publishers: {reg['publishers']:,.0f}; malware downloads {reg['malware_downloads']:,.0f}",
            ]
        )
    elif role == "corporations":
        Bullets(
            [
                f"Support paid to registries in {last['year']}: {money(last['corporate_support_usd'])}",
                f"Malware harm to firms: {money(last['corporate_harm_usd'])}",
                f"Firms donating {100 * last['support_share_donation']:.1f}%, "
                f"on opex contracts {100 * last['support_share_opex']:.1f}%",
                f"Worm outbreaks: {last['worm_outbreaks']}",
            ]
        )
    elif role in ("umbrella", "public"):
        paid = last["umbrella_paid_usd" if role == "umbrella" else "public_paid_usd"]
        grantees = ", ".join(
            f"{room.catalogue[n].label} {last['registries'][n]['removal_median_hours']:.1f} h"
            for n in room.roles.grant_eligible
        )
        Bullets(
            [
                f"Your budget: {money(FUNDER_BUDGET_USD[role])} a year (fixed)",
                f"Paid to registries in {last['year']}: {money(paid)}",
                f"Removal medians at grantees: {grantees}",
            ]
        )
    else:
        Bullets(
            [
                f"Developers on alternative registries: {100 * last['share_developers_on_alternatives']:.1f}%",
                f"Malware downloads: {last['malware_downloads']:,.0f}; worm outbreaks: {last['worm_outbreaks']}",
                f"Pooled removal median: {last['removal_median_hours_pooled']:.1f} h",
            ]
        )


def budget_plan(room: WorkshopRoom, role: str) -> str:
    """A funder's plan for the coming year in words: the bail-out first, then the shares of what is left."""
    plan = room.decisions_in_force(room.current_round + 1)[role]
    shares = {"registry_share": "registry grants", "projects_share": "project grants"}
    given = sum(value for name, value in plan.items() if name.endswith("_share"))
    parts = [f"{100 * plan[name]:.0f}% {text}" for name, text in shares.items() if name in plan]
    parts.append(f"{100 * plan['hygiene_programme_share']:.0f}% token-hygiene programmes")
    parts.append(f"{100 * (1 - given):.0f}% other work outside the registries")
    first = (
        "no bail-out"
        if plan["bail_out"] == NO_BAIL_OUT
        else f"a bail-out of {room.catalogue[plan['bail_out']].label} first"
    )
    return f"Your plan for {room.snapshot()['year']}: {first}, then {', '.join(parts)} of what is left."


@solara.component
def RescuePanel(room: WorkshopRoom, role: str, version: float = 0) -> None:
    """A registry in trouble: where it stands and its rescue choices; for a funder, who needs rescuing and at what price."""
    results = room.results()
    last = results[max(results)] if results else None
    if role in ("umbrella", "public"):
        with solara.Div(classes=["bt-rescue"]):
            Line(Strong(f"Your budget: {money(FUNDER_BUDGET_USD[role])} a year. "), budget_plan(room, role))
            troubled = [
                (name, row) for name, row in (last or {"registries": {}})["registries"].items() if in_trouble(row)
            ]
            if troubled:
                TextTable(
                    ["Registry in trouble", "Status", "Owed to its administrator", "Bail-out price (rescue need)"],
                    [
                        [
                            room.catalogue[name].label,
                            status_text(row["status"], row),
                            money(row["receivership_debt_usd"]),
                            money(row["rescue_need_usd"]),
                        ]
                        for name, row in troubled
                    ],
                    right=[2, 3],
                )
                Line(
                    Emphasis(
                        "A bail-out pays the price (up to your budget) before anything else this year: "
                        "the administrator first, then cash for six months of runway."
                    )
                )
        return
    if role not in room.roles.registry_roles or last is None:
        return
    row = last["registries"][role]
    state = in_trouble(row)
    if not state:
        return
    label = room.catalogue[role].label
    if state == "receivership":
        head = (
            f"{label} is in receivership: it could not pay its bills, so an administrator paid "
            f"{money(row['receivership_debt_usd'])} for it. It stays open, read-only, and your team keeps playing."
        )
    else:
        head = f"{label} is {status_text(row['status'])}: {row['runway_months']:.1f} months of runway left."
    with solara.Div(classes=["bt-rescue"]):
        solara.Warning(head)
        Line(Strong("Your rescue choices (in your form): "))
        Bullets(
            [
                "an emergency appeal to your community (a one-off gift, once a year at most);",
                "cost cuts now (other costs down by a fifth);",
                "the paid tier (heavy consumers pay for an enterprise tier);",
                f"ask a funder for a bail-out: its price now is {money(row['rescue_need_usd'])}, "
                "paid from the funder's budget.",
            ]
        )


def _trend(values: list[float], fmt: str) -> str:
    """A series as 'a → b → c' in the given format."""
    return " → ".join(format(v, fmt) for v in values)


@solara.component
def BriefingCard(room: WorkshopRoom, role: str, version: float = 0) -> None:
    """The briefing as a card of its own, until the first year is played."""
    if room.current_round:
        return
    with solara.Card("Briefing: where you start, and what happens if nothing changes"):
        Briefing(room, role, version)


@solara.component
def Briefing(room: WorkshopRoom, role: str, version: float = 0) -> None:
    """Round 0: the starting numbers, and what the status quo does to them year by year if nothing changes."""
    start = start_numbers(room)
    ahead = projection(room)
    watched = (role,) if role in room.roles.registry_roles else room.roles.grant_eligible
    with solara.Div(classes=["bt-briefing"]):
        if role in room.roles.registry_roles or role in ("umbrella", "public"):
            Bullets(
                [
                    f"{room.catalogue[name].label} now: cash {money(start[name]['cash_usd'])} "
                    f"({start[name]['runway_months']:.1f} months of runway), cash costs "
                    f"{money(start[name]['cash_cost_usd_per_year'])} a year, {start[name]['security_fte']:.1f} security staff"
                    for name in watched
                    if name in start
                ]
            )
        if ahead is None:
            Line(Emphasis("The status-quo projection is being computed; it appears here by itself."))
            return
        if "error" in ahead:
            Line(Emphasis("The status-quo projection could not be computed on this server."))
            return
        ProjectionLines(room, role, ahead, watched)


@solara.component
def ProjectionLines(room: WorkshopRoom, role: str, ahead: dict[str, Any], watched: tuple[str, ...]) -> None:
    """What the status-quo ensemble does to the numbers this role watches, year by year."""
    with solara.Div(classes=["bt-projection"]):
        years = f"{ahead['years'][0]}–{ahead['years'][-1]}"
        Line(Strong(f"If nothing changes ({years}, year ends, median of {ahead['runs']} status-quo runs):"))
        lines = []
        for name in watched if role not in ("corporations", "developers") else ():
            row = ahead["registries"][name]
            label = room.catalogue[name].label
            first = next((y for y, n in zip(ahead["years"], row["receivership_runs"]) if n * 2 >= ahead["runs"]), None)
            lines += [
                f"{label}: runway {_trend(row['runway_months'], '.1f')} months; "
                f"removal median {_trend(row['removal_median_hours'], '.0f')} h",
                f"{label}: in receivership by {ahead['years'][-1]} in {row['receivership_runs'][-1]} of {ahead['runs']} runs"
                + (f" (in most runs from {first})" if first else ""),
            ]
        if role == "corporations":
            lines.append(
                f"Malware harm to firms a year: {_trend([h / 1e6 for h in ahead['corporate_harm_usd']], '.1f')} USD M"
            )
        if role == "developers":
            lines.append(
                "Developers on alternative registries: "
                + _trend([100 * s for s in ahead["share_developers_on_alternatives"]], ".1f")
                + " %"
            )
            lines.append(f"Pooled removal median: {_trend(ahead['removal_median_hours_pooled'], '.0f')} h")
        Bullets(lines)
