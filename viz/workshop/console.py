"""The facilitator console: the join code and links, the round controls (timer, cards, Advance with confirm and undo), teams.

Advance asks for confirmation and can be undone (the room replays its stored decisions to the
state before it); the debrief and the projector open from the header, away from Advance. Each
held role has its own row: a new link for a team that lost its address (the old one stops
working), another team for the role, or the role freed. A new link is a secret: it is shown,
with its QR code, only on the console, on request.
"""

from __future__ import annotations

from typing import Any

import reacton.ipyvuetify as v
import solara
from matplotlib.colors import to_hex

from viz.workshop.display import Countdown, Picture
from viz.workshop.events import CARDS, SEVERITY
from viz.workshop.links import room_link
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.panels import ScoresAndLatestRound, round_title
from viz.workshop.qr import qr_address
from viz.workshop.roles import WorkshopError
from viz.workshop.room import WorkshopRoom
from viz.workshop.text import Emphasis, Heading, Line, Strong
from viz.workshop.wording import card_text, card_title


def role_colour(room: WorkshopRoom, role: str) -> str:
    """A role's colour for the page (CSS hex): its registry's catalogue colour, or a neutral grey for the other roles."""
    return to_hex(room.catalogue[role].colour) if role in room.roles.registry_roles else "#607d8b"


def spaced_code(code: str) -> str:
    """A join code in groups of five for reading aloud ('ACD4K 7MNPQ')."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


@solara.component
def SecretLink(label: str, link: str) -> None:
    """A button that shows (or hides) a private link holding a key or token, with its QR code; hidden by default."""
    shown, set_shown = solara.use_state(False)
    solara.Button(("Hide " if shown else "Show ") + label, on_click=lambda: set_shown(not shown), text=True)
    if shown:
        LinkCard(f"{label.capitalize()} (private)", link)


@solara.component
def LinkCard(title: str, link: str) -> None:
    """A private link with its QR code, to hand to one team (not for the projector)."""
    with solara.Div(classes=["bt-link-card"]):
        Line(Strong(f"{title}: "), link)
        Picture(qr_address(link), f"QR code of the link: {title}", classes="bt-qr")


@solara.component
def FacilitatorView(room: WorkshopRoom, key: str, router: Any) -> None:
    """Join code and links, round controls, teams, then the scoreboard and what happened."""
    version = use_room_version(room)
    StoreProblem(room.store, version)
    Heading(f"Facilitator console — room {room.name}", level=2)
    ConsoleHeader(room, key, router)
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card("Round controls"):
            RoundControls(room, key, version)
        with solara.Card("Teams"):
            TeamsPanel(room, key, router, version)
    ScoresAndLatestRound(room, version)


@solara.component
def ConsoleHeader(room: WorkshopRoom, key: str, router: Any) -> None:
    """The join code and join link with its QR code; the projector, debrief and handouts open from here."""
    join = room_link(router, {"room": room.code})
    with solara.ColumnsResponsive(12, medium=[8, 4]):
        with solara.Column(gap="4px"):
            Line("Join code: ", Strong(spaced_code(room.code)), " — join link: ", join)
            Line(
                Emphasis(
                    "Your facilitator key stays in this browser tab, not in the address: a reload keeps it. "
                    "Project the projector view; it holds no key."
                )
            )
            with solara.Div(classes=["bt-actions"]):
                v.Btn(
                    children=["Open the projector view"],
                    href=room_link(router, {"room": room.code, "view": "screen"}),
                    target="_blank",
                    color="primary",
                    outlined=True,
                )
                v.Btn(
                    children=["Open the debrief"],
                    href=room_link(router, {"room": room.code, "view": "debrief"}),
                    target="_blank",
                    outlined=True,
                )
                v.Btn(
                    children=["Print role cards"],
                    href=room_link(router, {"view": "print", "doc": "cards"}),
                    target="_blank",
                    text=True,
                )
                v.Btn(
                    children=["Print this guide"],
                    href=room_link(router, {"view": "print", "doc": "guide"}),
                    target="_blank",
                    text=True,
                )
            SecretLink("facilitator link", room_link(router, {"room": room.code, "key": key}))
        Picture(qr_address(join), "QR code of the join link", classes="bt-qr")


@solara.component
def RoundControls(room: WorkshopRoom, key: str, version: float = 0) -> None:
    """Timer, event cards for the coming year, and Advance (confirmed) with Undo (confirmed)."""
    snap = room.snapshot()
    minutes, set_minutes = solara.use_state(10.0)
    card, set_card = solara.use_state("worm")
    worm_registry, set_worm_registry = solara.use_state(room.catalogue.malware_target)
    worm_week, set_worm_week = solara.use_state(20)
    asking, set_asking = solara.use_state("")  # "advance" or "undo" while its confirmation is shown
    message, set_message = solara.use_state("")
    error, set_error = solara.use_state("")

    def act(action, done) -> None:
        """Run a facilitator action and report what it did (`done(result)`) or its one-line error."""
        set_asking("")
        try:
            result = action()
        except WorkshopError as exc:
            set_error(str(exc))
            set_message("")
            return
        set_error("")
        set_message(done(result))

    def schedule() -> None:
        """Schedule the chosen card with its options."""
        payload = {"registry": worm_registry, "week_of_year": int(worm_week)} if card == "worm" else None
        act(lambda: room.schedule_event(key, card, payload), lambda event: f"Scheduled: {card_text(event, room.roles)}")

    start_year = snap["year"] - snap["current_round"]

    with solara.Div(classes=["bt-banner"]):
        solara.Div(children=[Strong(round_title(snap))])
        if not snap["finished"]:
            Countdown(snap["deadline_unix"], idle_text="no timer running")
    with solara.Div(classes=["bt-actions"]):
        solara.InputFloat("Timer (minutes)", value=minutes, on_value=set_minutes, style={"max-width": "160px"})
        solara.Button(
            "Start timer", on_click=lambda: act(lambda: room.set_timer(key, minutes), lambda _: "Timer started")
        )
    with solara.Div(classes=["bt-actions"]):
        v.Select(
            label="Event card",
            items=[{"text": card_title(name), "value": name} for name in CARDS],
            v_model=card,
            on_v_model=set_card,
            style_="max-width: 320px",
        )
        if card == "worm":
            v.Select(
                label="Registry",
                items=[{"text": room.catalogue[name].label, "value": name} for name in room.roles.registry_roles],
                v_model=worm_registry,
                on_v_model=set_worm_registry,
                style_="max-width: 180px",
            )
            solara.InputInt("Week", value=worm_week, on_value=set_worm_week, style={"max-width": "90px"})
    Line(Emphasis(CARDS[card]))
    Line(Strong("Severity: "), SEVERITY[card])
    with solara.Div(classes=["bt-actions"]):
        solara.Button("Schedule card", on_click=schedule)
        solara.Button(
            "Draw event card",
            on_click=lambda: act(lambda: room.draw_event(key), lambda event: f"Drew: {card_text(event, room.roles)}"),
        )
    upcoming = [e for e in room.events(include_upcoming=True) if e["round"] == snap["current_round"] + 1]
    Line(Strong(f"Cards for {snap['year']}: "), "; ".join(card_text(e, room.roles) for e in upcoming) or "none")
    CardWarning(room, version)
    if asking == "advance":
        AdvanceConfirm(
            room,
            snap,
            on_yes=lambda: act(lambda: room.advance(key), lambda summary: f"Played {summary['year']}"),
            on_no=lambda: set_asking(""),
        )
    elif asking == "undo":
        UndoConfirm(
            room,
            snap,
            on_yes=lambda: act(
                lambda: room.undo(key), lambda played: f"Undone: {start_year + played} is to play again"
            ),
            on_no=lambda: set_asking(""),
        )
    else:
        with solara.Div(classes=["bt-actions"]):
            solara.Button(
                "Advance one year", on_click=lambda: set_asking("advance"), color="primary", disabled=snap["finished"]
            )
            if snap["current_round"] > 0:
                solara.Button(
                    f"Undo {snap['year'] - 1}", on_click=lambda: set_asking("undo"), text=True, color="warning"
                )
    if message:
        solara.Success(message)
    if error:
        solara.Error(error)


@solara.component
def AdvanceConfirm(room: WorkshopRoom, snap: dict[str, Any], on_yes: Any, on_no: Any) -> None:
    """Ask before playing the year: who has not decided, and which cards will play."""
    waiting = [room.roles.labels[role] for role in snap["teams"] if role not in snap["submitted"]]
    with solara.Div(classes=["bt-confirm"]):
        Line(Strong(f"Play {snap['year']}?"), " The model runs the year with every decision in force.")
        if waiting:
            Line("Still deciding (their last decision stays in force): " + ", ".join(waiting))
        with solara.Div(classes=["bt-actions"]):
            solara.Button("Yes, play the year", on_click=on_yes, color="primary")
            solara.Button("Cancel", on_click=on_no, text=True)


@solara.component
def UndoConfirm(room: WorkshopRoom, snap: dict[str, Any], on_yes: Any, on_no: Any) -> None:
    """Ask before taking back the last year played."""
    year = snap["year"] - 1
    with solara.Div(classes=["bt-confirm"]):
        Line(
            Strong(f"Undo {year}?"),
            f" The room goes back to before {year} was played: its results go, and decisions and cards sent for "
            f"{year + 1} are removed. Decisions for {year} stay; teams keep their links.",
        )
        with solara.Div(classes=["bt-actions"]):
            solara.Button(f"Yes, undo {year}", on_click=on_yes, color="warning")
            solara.Button("Cancel", on_click=on_no, text=True)


@solara.component
def TeamsPanel(room: WorkshopRoom, key: str, router: Any, version: float = 0) -> None:
    """A row per role: who holds it, whether its decision is in, and its team's link, reassignment or release."""
    snap = room.snapshot()
    joined = room.joined_rounds()
    for role in room.roles.roles:
        RoleRow(room, key, router, role, snap["teams"].get(role), role in snap["submitted"], joined.get(role, 0))
    statement = room.decisions_in_force(snap["current_round"] + 1)["developers"]["statement"]
    if statement:
        solara.Info(f"Developer community: {statement}")


@solara.component
def RoleRow(
    room: WorkshopRoom, key: str, router: Any, role: str, team: str | None, submitted: bool, joined: int
) -> None:
    """One role: its team and state, and (for a held role) a new link, another team, or freeing it."""
    mode, set_mode = solara.use_state("")  # "", "link", "reassign", "free"
    new_name, set_new_name = solara.use_state("")
    link, set_link = solara.use_state("")
    error, set_error = solara.use_state("")
    colour = role_colour(room, role)

    def run(action) -> None:
        """Do a link action; show the new link (a token) or the one-line error."""
        try:
            token = action()
        except WorkshopError as exc:
            set_error(str(exc))
            return
        set_error("")
        set_mode("")
        set_link(room_link(router, {"room": room.code, "team": token}) if token else "")

    if team is None:
        state = "played by the model"
    else:
        state = ("decision in" if submitted else "deciding") + (f"; joined for round {joined + 1}" if joined else "")
    with solara.Div(classes=["bt-role-row"]):
        Line(
            v.Html(tag="span", class_="bt-dot", style_=f"background: {colour}"),
            Strong(room.roles.labels[role]),
            " — ",
            team if team is not None else "",
            f" ({state})",
        )
        if team is not None and not mode:
            with solara.Div(classes=["bt-actions"]):
                solara.Button("New link", on_click=lambda: set_mode("link"), small=True, outlined=True)
                solara.Button("Another team", on_click=lambda: set_mode("reassign"), small=True, text=True)
                solara.Button("Free the role", on_click=lambda: set_mode("free"), small=True, text=True)
        elif mode == "link":
            with solara.Div(classes=["bt-confirm"]):
                Line(f"Make a new link for {room.roles.labels[role]}? The team's current link stops working.")
                with solara.Div(classes=["bt-actions"]):
                    solara.Button(
                        "Make the new link",
                        on_click=lambda: run(lambda: room.new_team_link(key, role)),
                        color="primary",
                        small=True,
                    )
                    solara.Button("Cancel", on_click=lambda: set_mode(""), text=True, small=True)
        elif mode == "reassign":
            with solara.Div(classes=["bt-confirm"]):
                solara.InputText("New team's name", value=new_name, on_value=set_new_name, continuous_update=True)
                with solara.Div(classes=["bt-actions"]):
                    solara.Button(
                        "Give them the role",
                        on_click=lambda: run(lambda: room.reassign_role(key, role, new_name)),
                        color="primary",
                        small=True,
                    )
                    solara.Button("Cancel", on_click=lambda: set_mode(""), text=True, small=True)
        elif mode == "free":
            with solara.Div(classes=["bt-confirm"]):
                Line(
                    f"Free {room.roles.labels[role]}? The team's link stops working and any team may join the role; "
                    "its last decision stays in force until a new team changes it."
                )
                with solara.Div(classes=["bt-actions"]):
                    solara.Button(
                        "Free it", on_click=lambda: run(lambda: room.free_role(key, role)), color="warning", small=True
                    )
                    solara.Button("Cancel", on_click=lambda: set_mode(""), text=True, small=True)
        if link:
            LinkCard(f"New link for {room.roles.labels[role]}", link)
            solara.Button("Hide the link", on_click=lambda: set_link(""), text=True, small=True)
        if error:
            solara.Error(error)


@solara.component
def CardWarning(room: WorkshopRoom, version: float = 0) -> None:
    """Warn when the coming year's cards would likely push a registry into receivership (a projection of the year)."""
    forecast = room.rescue_forecast()
    pushed = [name for name in forecast["with_cards"] if name not in forecast["without_cards"]]
    heading = [room.catalogue[name].label for name in forecast["without_cards"]]
    if pushed:
        names = ", ".join(room.catalogue[name].label for name in pushed)
        with solara.Div(classes=["bt-card-warning"]):
            solara.Warning(
                f"Warning: these cards would likely push {names} into receivership this year (a projection of the "
                "year with the decisions in now). It is not eliminated: its board and the funders get rescue choices."
            )
    if heading:
        Line(Emphasis(f"Heading for receivership even without the cards: {', '.join(heading)}."))
