"""Printable role cards, generated from the decision forms so the handout matches the game.

`python -m viz.workshop.cards > docs/role-cards.md` rewrites the handout (a test checks it is current).
A registry board's situation comes from its catalogue entry; the other roles' texts are here.
"""

from __future__ import annotations

from viz.workshop.roles import ROLE_BOOK, RoleBook, field_range

SITUATION = {
    "corporations": "You speak for the heavy consumers: about 1% of firms make 80% of the downloads. Firms "
    "support registries by donation (cut first in a downturn) or opex contracts (multi-year, reliable).",
    "umbrella": "You are an Alpha-Omega-like security funder: a few big donors, grant rounds four times a year, "
    "and grants that pay registries' security staff.",
    "public": "You are a Sovereign-Tech-like public funder: each year you fund the neediest non-profit registry "
    "without a running grant, for a fixed number of years.",
    "developers": "You are the publishers: you feel fees and security, and you can move to a cheaper "
    "alternative registry (with weaker security) if your home becomes too costly.",
}
REGISTRY_WATCH = "Your runway (months of cash), status, malware removal median (hours), security staff, revenue mix."
WATCH = {
    "corporations": "Support paid, malware harm to firms, share of firms on opex contracts, worm outbreaks.",
    "umbrella": "What you paid, and the removal medians at {grantees}.",
    "public": "What you paid, and the removal medians at {grantees}.",
    "developers": "Share of developers on alternative registries, malware downloads, worms, pooled removal median.",
}
REGISTRY_SCORING = (
    "Each year: 60 points if healthy (45 strained, 30 degraded, 15 read-only, 0 shut down) plus up to "
    "40 for fast malware removal. Summed over the years."
)
SCORING = {
    "corporations": "100 × (status-quo cost) / (your cost), where cost = support paid + malware harm. Above 100 beats the status quo.",
    "umbrella": "Hours of removal delay cut at the grantees versus the status quo, per USD 1M you paid.",
    "public": "Hours of removal delay cut at the grantees versus the status quo, per USD 1M you paid.",
    "developers": "No score of your own: you argue for the shared goal (ecosystem harm) and for publishers.",
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
    elif not allowed:
        allowed = " / ".join(str(a) for a in getattr(spec.annotation, "__args__", ()))
    return f"| `{name}` | {spec.description} | {allowed} | {spec.default!r} |"


def role_card(role: str, book: RoleBook = ROLE_BOOK) -> str:
    """One role's card in Markdown."""
    form = book.forms[role]
    board = role in book.registry_roles
    situation = book.catalogue[role].board_situation if board else SITUATION[role]
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
        f"**Score.** {REGISTRY_SCORING if board else SCORING[role]}",
        "",
        "**Shared goal (everyone).** Keep ecosystem harm (malware damage to firms) low.",
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
