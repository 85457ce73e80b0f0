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
from viz.workshop.display import SharedPicture
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.panels import RoundBanner, ScoresAndLatestRound, joined_text, status_text
from viz.workshop.roles import WorkshopError, field_range
from viz.workshop.room import WorkshopRoom
from viz.workshop.text import Bullets, Emphasis, Heading, Line, Strong
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

    def set_field(name: str, value: Any) -> None:
        """Change one field of the draft decision."""
        set_draft({**draft, name: value})

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
        Field(name, spec, draft[name], lambda value, n=name: set_field(n, value))
    with solara.Div(classes=["bt-actions"]):
        solara.Button("Submit decisions", on_click=submit, color="primary", disabled=snap["finished"])
    if error:
        solara.Error(error)
    elif sent_round == coming and role in snap["submitted"]:
        solara.Success(f"Submitted for round {coming} ({snap['year']}).")


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
    Heading(f"{room.roles.labels[role]} — team {team['team_name']}", level=2)
    Line(Strong("Your goal: "), room.roles.goals[role], f" (room {room.code})")
    if team["joined_round"]:
        Line(Emphasis(joined_text(role, team["team_name"], {role: team["joined_round"]})))
    RoundBanner(room, version, note=decision_note(room, role))
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
    with solara.Div(classes=["bt-actions"]):
        solara.Button("Open the debrief", on_click=lambda: router.push(f"{router.path}?room={room.code}&view=debrief"))


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
        Line(Emphasis("The first year has not been played yet."))
        return
    last = results[max(results)]
    if role in room.roles.registry_roles:
        reg = last["registries"][role]
        revenue = ", ".join(f"{source} {money(value)}" for source, value in reg["revenue_usd"].items() if value)
        Bullets(
            [
                f"Status: {status_text(reg['status'])}",
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
        Bullets([f"Paid to registries in {last['year']}: {money(paid)}", f"Removal medians at grantees: {grantees}"])
    else:
        Bullets(
            [
                f"Developers on alternative registries: {100 * last['share_developers_on_alternatives']:.1f}%",
                f"Malware downloads: {last['malware_downloads']:,.0f}; worm outbreaks: {last['worm_outbreaks']}",
                f"Pooled removal median: {last['removal_median_hours_pooled']:.1f} h",
            ]
        )
