"""Printable role cards, generated from the decision forms so the handout matches the game.

`python -m viz.workshop.cards > docs/role-cards.md` rewrites the handout (a test checks it is current).
"""

from __future__ import annotations

from viz.workshop.roles import DECISION_FORMS, REGISTRY_ROLES, ROLE_GOALS, ROLE_LABELS, ROLES, field_range

SITUATION = {
    "pypi": "A non-profit (Python Software Foundation) runs you. Fastly donates your CDN; a security engineer "
    "is paid by the umbrella funder. Downloads grow about 50% a year; donations and grants do not.",
    "npm": "A company (GitHub/Microsoft) runs you. Most of the world's malware arrives at your door, and "
    "worms spread fastest here. You pay your own CDN; your parent budgets for projected costs, a year late.",
    "crates": "A young foundation runs you with a small team and a donated CDN; grants matter a lot. Downloads grow about 70% a year.",
    "rubygems": "A small non-profit (Ruby Central) runs you with a donated CDN. Few staff, slow growth (about 15% a year), a steward slow to top up.",
    "maven": "A company (Sonatype) runs you, pays its own CDN and budgets for its costs; no umbrella grants come your way.",
    "corporations": "You speak for the heavy consumers: about 1% of firms make 80% of the downloads. Firms "
    "support registries by donation (cut first in a downturn) or opex contracts (multi-year, reliable).",
    "umbrella": "You are an Alpha-Omega-like security funder: a few big donors, grant rounds four times a year, "
    "and grants that pay registries' security staff.",
    "public": "You are a Sovereign-Tech-like public funder: each year you fund the neediest non-profit registry "
    "without a running grant, for a fixed number of years.",
    "developers": "You are the publishers: you feel fees and security, and you can move to a cheaper "
    "alternative registry (with weaker security) if your home becomes too costly.",
}
WATCH = {
    **dict.fromkeys(
        REGISTRY_ROLES,
        "Your runway (months of cash), status, malware removal median (hours), security staff, revenue mix.",
    ),
    "corporations": "Support paid, malware harm to firms, share of firms on opex contracts, worm outbreaks.",
    "umbrella": "What you paid, and the removal medians at PyPI, crates.io and RubyGems.",
    "public": "What you paid, and the removal medians at PyPI, crates.io and RubyGems.",
    "developers": "Share of developers on alternative registries, malware downloads, worms, pooled removal median.",
}
SCORING = {
    **dict.fromkeys(
        REGISTRY_ROLES,
        "Each year: 60 points if healthy (45 strained, 30 degraded, 15 read-only, 0 shut down) plus up to "
        "40 for fast malware removal. Summed over the years.",
    ),
    "corporations": "100 × (status-quo cost) / (your cost), where cost = support paid + malware harm. Above 100 beats the status quo.",
    "umbrella": "Hours of removal delay cut at the grantees versus the status quo, per USD 1M you paid.",
    "public": "Hours of removal delay cut at the grantees versus the status quo, per USD 1M you paid.",
    "developers": "No score of your own: you argue for the shared goal (ecosystem harm) and for publishers.",
}
DELAYS = {
    **dict.fromkeys(
        REGISTRY_ROLES,
        "Security posts take about six months to fill; staff leave a month after the money stops. "
        "Fees push developers away slowly, and peers who moved pull others.",
    ),
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


def role_card(role: str) -> str:
    """One role's card in Markdown."""
    form = DECISION_FORMS[role]
    lines = [
        f"## {ROLE_LABELS[role]}",
        "",
        f"**Your goal.** {ROLE_GOALS[role]}",
        "",
        f"**Your situation.** {SITUATION[role]}",
        "",
        f"**What you watch.** {WATCH[role]}",
        "",
        "**Your levers** (each year; a lever you leave alone keeps last year's value):",
        "",
        "| Lever | Meaning | Allowed | Model default |",
        "|---|---|---|---|",
        *(_field_line(name, spec) for name, spec in form.model_fields.items()),
        "",
        f"**Delays to expect.** {DELAYS[role]}",
        "",
        f"**Score.** {SCORING[role]}",
        "",
        "**Shared goal (everyone).** Keep ecosystem harm (malware damage to firms) low.",
        "",
        "If no team holds this role, the model plays it with the defaults above.",
        "",
        '<div style="page-break-after: always"></div>',
        "",
    ]
    return "\n".join(lines)


def role_cards_markdown() -> str:
    """All role cards, one per printed page."""
    head = [
        "# Borrowed Time workshop: role cards",
        "",
        "Print one card per team (each card ends with a page break). Generated from the game's decision",
        "forms by `python -m viz.workshop.cards > docs/role-cards.md`; do not edit by hand.",
        "",
        "",
    ]
    return "\n".join(head) + "\n".join(role_card(role) for role in ROLES)


if __name__ == "__main__":
    print(role_cards_markdown(), end="")
