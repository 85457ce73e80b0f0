"""Printable role cards, generated from the decision forms so the handout matches the game.

`python -m viz.workshop.cards > docs/role-cards.md` rewrites the handout (a test checks it is current).
A registry board's situation comes from its catalogue entry; the other roles' texts are here.
"""

from __future__ import annotations

from viz.workshop.roles import FUNDER_BUDGET_USD, ROLE_BOOK, RoleBook, field_range

SITUATION = {
    "corporations": "You speak for the heavy consumers: about 1% of firms make 80% of the downloads. Firms "
    "support registries by donation (cut first in a downturn) or opex contracts (multi-year, reliable).",
    "umbrella": "You are an Alpha-Omega-like security funder with a fixed budget (USD {umbrella_budget} a year, "
    "less when a big donor lapses) and grant rounds four times a year. Split it: a bail-out (paid first), grants "
    "for registries' security staff, token-hygiene programmes; the rest funds work outside this game.",
    "public": "You are a Sovereign-Tech-like public funder with a fixed budget (USD {public_budget} a year): each "
    "year a project grant to the neediest non-profit registry without one. Split it: a bail-out (paid first), "
    "project grants, token-hygiene programmes.",
    "developers": "You are the publishers: you feel fees and security, and you can move to a cheaper "
    "alternative registry (with weaker security) if your home becomes too costly.",
}
REGISTRY_WATCH = (
    "Your runway (months of cash), status, removal median (hours), security staff, revenue mix. Out of cash, you "
    "enter receivership, not shutdown: rescue choices open (appeal, cost cuts, paid tier, a funder's bail-out)."
)
WATCH = {
    "corporations": "Support paid, malware harm to firms, share of firms on opex contracts, worm outbreaks.",
    "umbrella": "What you paid, the removal medians at {grantees}, and which registry is in trouble (its rescue need).",
    "public": "What you paid, the removal medians at {grantees}, and which registry is in trouble (its rescue need).",
    "developers": "Share of developers on alternative registries, malware downloads, worms, pooled removal median.",
}
SCALE = (
    " Your score is 0 to 100 against the status quo (the same years played with no teams): 50 ties it, "
    "100 is 25% better or more; your goal is met at 51 or more."
)
REGISTRY_SCORING = (
    "Your points: each year 60 if healthy (45 strained, 30 degraded, 15 read-only or in receivership) plus up to "
    "40 for fast malware removal, summed over the years." + SCALE
)
SCORING = {
    "corporations": "Your members' cost: support paid + malware harm (lower is better)." + SCALE,
    "umbrella": "The grantees' points ({grantees}: status and removal speed, as their boards score)." + SCALE,
    "public": "The grantees' points ({grantees}: status and removal speed, as their boards score)." + SCALE,
    "developers": "Half malware downloads, half the share of developers pushed to alternative registries "
    "(10 points of share count fully)." + SCALE,
}
REGISTRY_DELAYS = (
    "Security posts take about six months to fill; staff leave a month after the money stops. "
    "Fees push developers away slowly, and peers who moved pull others."
)
DELAYS = {
    "corporations": "Each firm decides once a year, at its own budget week: a change takes a year to spread.",
    "umbrella": "Grants become staff only after hiring (about six months). Multi-year commitments survive a missed round.",
    "public": "A grant goes to one registry a year; its staff arrive half a year later.",
    "developers": "The model moves developers week by week; your voice moves the other teams.",
}


def _field_line(name: str, spec) -> str:
    """One lever: its name, range, default and meaning."""
    low, high = field_range(spec)
    allowed = f"{low:g} to {high:g}" if low is not None and high is not None else ""
    if spec.annotation is bool:
        allowed = "yes / no"
    elif spec.annotation is str:
        allowed = f"text, up to {spec.metadata[0].max_length} characters" if spec.metadata else "text"
    elif name == "bail_out":
        allowed = "none, or a registry"
    elif not allowed:
        allowed = " / ".join(str(a) for a in getattr(spec.annotation, "__args__", ()))
    return f"| `{name}` | {spec.description} | {allowed} | {spec.default!r} |"


def role_card(role: str, book: RoleBook = ROLE_BOOK) -> str:
    """One role's card in Markdown."""
    form = book.forms[role]
    board = role in book.registry_roles
    budgets = {f"{name}_budget": f"{usd / 1e6:g}M" for name, usd in FUNDER_BUDGET_USD.items()}
    situation = book.catalogue[role].board_situation if board else SITUATION[role].format(**budgets)
    watch = REGISTRY_WATCH if board else WATCH[role].format(grantees=book.grantees_text())
    lines = [
        f"## {book.labels[role]}",
        "",
        f"**Your goal.** {book.goals[role]}",
        "",
        f"**Your situation.** {situation}",
        "",
        f"**What you watch.** {watch}",
        "",
        "**Your levers** (each year; a lever you leave alone keeps last year's value):",
        "",
        "| Lever | Meaning | Allowed | Model default |",
        "|---|---|---|---|",
        *(_field_line(name, spec) for name, spec in form.model_fields.items()),
        "",
        f"**Delays to expect.** {REGISTRY_DELAYS if board else DELAYS[role]}",
        "",
        f"**Score.** {REGISTRY_SCORING if board else SCORING[role].format(grantees=book.grantees_text())}",
        "",
        "**Shared goal (everyone).** Keep ecosystem harm (malware damage to firms) below the status quo's.",
        "",
        "If no team holds this role, the model plays it with the defaults above.",
        "",
        '<div style="page-break-after: always"></div>',
        "",
    ]
    return "\n".join(lines)


def role_cards_markdown(book: RoleBook = ROLE_BOOK) -> str:
    """All role cards, one per printed page."""
    head = [
        "# Borrowed Time workshop: role cards",
        "",
        "Print one card per team (each card ends with a page break). Generated from the game's decision",
        "forms by `python -m viz.workshop.cards > docs/role-cards.md`; do not edit by hand.",
        "",
        "",
    ]
    return "\n".join(head) + "\n".join(role_card(role, book) for role in book.roles)


if __name__ == "__main__":
    print(role_cards_markdown(), end="")
