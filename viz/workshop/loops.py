"""The causal loops behind what teams saw: their structure (for the drawn diagram), their text, and this room's evidence.

Each loop is a cycle of links between the model's variables with a sign each (+: moves the
same way, −: the opposite way); an even number of − makes a reinforcing loop (R), an odd
number a balancing one (B). `viz.workshop.diagram` draws `NODES` and `LINKS`; `loops_seen`
says which loops this room's own run set going, and with what numbers, so the debrief can
highlight them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viz.workshop.roles import RoleBook


@dataclass(frozen=True)
class Loop:
    """One loop: code (R1, B1, ...), name, kind, colour, where its label sits, its story, and its cycle of variables.

    `cycle` lists the variables the loop runs through, back to the first (empty for the correlated shock,
    which is a shared cause rather than a loop).
    """

    code: str
    name: str
    kind: str
    colour: str
    centre: tuple[float, float]
    story: str
    cycle: tuple[str, ...] = ()


LOOPS = (
    Loop(
        "R1",
        "Borrowed time",
        "reinforcing, slow",
        "#c62828",
        (480, 172),
        "Downloads and uploads grow every year; bandwidth, compute and malware-review costs grow with them, "
        "while donations, grants and in-kind donors grow slowly and each owner can raise only so much (its "
        "fundraising capacity). Reserves fall → runway shrinks → the owner appeals and cuts costs (strained), then "
        "cuts security (degraded) → slower removal → more live malware → more review work and more harm. "
        "*Delay:* the steward reviews its budget only once a year.",
        ("costs", "runway", "security", "removal", "malware"),
    ),
    Loop(
        "B1",
        "Fees and defection",
        "balancing, with a side effect",
        "#6a1b9a",
        (860, 230),
        "A fee raises revenue → developers weigh the fee, over a few years, against the hours it takes to move → "
        "if it is worth it, a sponsor builds an alternative (it takes months and money) and some move there → fee "
        "revenue grows less than hoped, and scanners watch the small alternative less, so its malware is found "
        "later. *Delay:* demand must last, building takes half a year, moving is slow (inertia), and peers who "
        "moved pull others; a sponsor whose money runs out leaves its alternative to fail.",
        ("runway", "fees"),
    ),
    Loop(
        "B2",
        "Security spending",
        "balancing, delayed",
        "#2e7d32",
        (470, 515),
        "Harm draws money for security posts and tooling → hires arrive after about half a year → the removal "
        "queue's capacity grows → removal median falls → live malware and worm windows shrink → harm falls. Cut the money and staff leave after a month's "
        "notice: security is quick to lose, slow to rebuild.",
        ("harm", "grants", "security", "removal", "malware"),
    ),
    Loop(
        "R2",
        "Worms",
        "reinforcing, fast",
        "#e65100",
        (52, 318),
        "A stolen publish token republishes trojanised versions → maintainers who install them lose their "
        "tokens → more republishing. Fast removal and good token hygiene push the loop below its threshold; "
        "slow removal lets it explode within days.",
        ("malware", "tokens"),
    ),
    Loop(
        "R3",
        "Incidents and corporate norms",
        "reinforcing",
        "#1565c0",
        (1010, 440),
        "Incidents hit firms → firms remember them → more firms support registries → peers see others "
        "supporting (norm) → more support. Downturns break it: donations are cut first; opex contracts survive "
        "the year.",
        ("support", "norm"),
    ),
    Loop(
        "C",
        "Correlated shock",
        "one funder, many registries",
        "#ad1457",
        (735, 490),
        "One umbrella funder pays security staff at several registries: a missed round cuts all of them at "
        "once, and their removal delays rise together half a year later. Multi-year commitments and several "
        "independent funders break the correlation.",
    ),
)
LOOP_BY_CODE = {loop.code: loop for loop in LOOPS}

#: The diagram's variables: id -> (label lines, x, y) on a 1120 x 730 canvas.
NODES: dict[str, tuple[tuple[str, ...], float, float]] = {
    "usage": (("Downloads", "and uploads"), 110, 70),
    "costs": (("Infrastructure and", "review costs"), 400, 70),
    "runway": (("Reserves", "and runway"), 660, 210),
    "security": (("Security", "staff"), 600, 410),
    "removal": (("Malware", "removal delay"), 330, 410),
    "malware": (("Live malware,", "worm window"), 250, 230),
    "tokens": (("Stolen publish", "tokens"), 110, 450),
    "fees": (("Fees", "charged"), 960, 80),
    "defection": (("Developers on", "alternatives"), 990, 330),
    "harm": (("Harm", "to firms"), 330, 620),
    "grants": (("Funders'", "security grants"), 630, 600),
    "support": (("Corporate", "support"), 880, 530),
    "norm": (("Peers who", "support (norm)"), 1010, 670),
}

#: Links: (from, to, sign, loops it belongs to, bend: how far the curve bows, in canvas units).
LINKS: tuple[tuple[str, str, str, tuple[str, ...], float], ...] = (
    ("usage", "costs", "+", ("R1",), 0),
    ("costs", "runway", "−", ("R1",), 20),
    ("runway", "security", "+", ("R1",), 20),
    ("security", "removal", "−", ("R1", "B2"), 0),
    ("removal", "malware", "+", ("R1", "B2", "R2"), 20),
    ("malware", "costs", "+", ("R1",), 20),
    ("runway", "fees", "−", ("B1",), 40),
    ("fees", "runway", "+", ("B1",), 40),
    ("fees", "defection", "+", ("B1",), 0),
    ("defection", "malware", "+", ("B1",), -40),
    ("malware", "tokens", "+", ("R2",), 35),
    ("tokens", "malware", "+", ("R2",), 35),
    ("malware", "harm", "+", ("B2", "R3"), -20),
    ("harm", "grants", "+", ("B2",), 0),
    ("grants", "security", "+", ("B2", "C"), 0),
    ("harm", "support", "+", ("R3",), 170),
    ("support", "norm", "+", ("R3",), 45),
    ("norm", "support", "+", ("R3",), 45),
    ("support", "runway", "+", ("R3",), 30),
)

QUESTIONS = """
### Questions to ask
- Which of your decisions showed up in the charts at once, and which only a year or two later?
- Where did one team's gain become another's loss (fees → alternatives → everyone's harm)?
- Which event card hurt most, and what had (or would have) made the system resilient to it?
- Who paid for security, and who benefited? Would you change the shared goal's weight?
"""


def loops_markdown() -> str:
    """The loops' stories as Markdown (repository text only), then the debrief questions."""
    parts = ["### The loops behind what happened", ""]
    for loop in LOOPS:
        parts += [f"**{loop.code} — {loop.name} ({loop.kind}).** {loop.story}", ""]
    return "\n".join(parts) + QUESTIONS


#: The debrief's explanation of the loops (kept for pages and handouts that show the text alone).
CAUSAL_LOOPS_MARKDOWN = loops_markdown()


def loops_seen(
    results: dict[int, dict[str, Any]],
    status_quo: dict[int, dict[str, Any]],
    history: dict[int, dict[str, dict[str, Any]]],
    cards: list[dict[str, Any]],
    book: RoleBook,
) -> dict[str, str]:
    """The loops this room's run set going, each with the numbers that show it (loop code -> one sentence)."""
    if not results:
        return {}
    rounds = sorted(results)
    first, last = results[rounds[0]], results[rounds[-1]]
    base_last = status_quo.get(rounds[-1], last)
    seen: dict[str, str] = {}
    label = {name: book.catalogue[name].label for name in book.registry_roles}

    falling = [
        f"{label[n]} {first['registries'][n]['runway_months']:.0f} → {last['registries'][n]['runway_months']:.0f} months"
        for n in book.registry_roles
        if last["registries"][n]["runway_months"] < first["registries"][n]["runway_months"] - 0.5
    ]
    troubled = sorted(
        {
            f"{label[n]} {results[r]['registries'][n]['status'].replace('_', ' ')} in {results[r]['year']}"
            for r in rounds
            for n in book.registry_roles
            if results[r]["registries"][n]["status"] != "healthy"
        }
    )
    if falling or troubled:
        seen["R1"] = "Runway fell: " + "; ".join((falling + troubled)[:4]) + "."

    fee_boards = [
        label[n]
        for n in book.registry_roles
        if any(
            book.effective_decisions(history, r)[n]["per_package_fee_usd"] > 0
            or book.effective_decisions(history, r)[n]["publisher_subscription_usd_per_year"] > 0
            for r in rounds
        )
    ]
    if fee_boards:
        seen["B1"] = (
            f"Fees at {', '.join(fee_boards)}; developers on alternatives reached "
            f"{100 * last['share_developers_on_alternatives']:.1f}% "
            f"(status quo {100 * base_last['share_developers_on_alternatives']:.1f}%)."
        )

    staffed = [
        f"{label[n]} {last['registries'][n]['security_fte']:.1f} FTE against "
        f"{base_last['registries'][n]['security_fte']:.1f} (removal median "
        f"{last['registries'][n]['removal_median_hours']:.0f} h against {base_last['registries'][n]['removal_median_hours']:.0f} h)"
        for n in book.registry_roles
        if abs(last["registries"][n]["security_fte"] - base_last["registries"][n]["security_fte"]) >= 0.5
    ]
    if staffed:
        seen["B2"] = "Security staff differ from the status quo: " + "; ".join(staffed[:3]) + "."

    worm_years = [str(results[r]["year"]) for r in rounds if results[r]["worm_outbreaks"] > 0]
    if worm_years:
        seen["R2"] = f"Worm outbreaks in {', '.join(worm_years)}."

    support = sum(results[r]["corporate_support_usd"] for r in rounds)
    base_support = sum(status_quo[r]["corporate_support_usd"] for r in rounds if r in status_quo)
    if base_support > 0 and abs(support - base_support) >= 0.05 * base_support:
        seen["R3"] = (
            f"Firms paid USD {support / 1e6:,.1f}M to registries against USD {base_support / 1e6:,.1f}M "
            "in the status quo."
        )

    missed = sorted(
        {str(results[e["round"]]["year"]) for e in cards if e["card"] == "missed_round" and e["round"] in results}
        | {
            str(results[r]["year"])
            for r in rounds
            if any("missed a grant round" in line for line in results[r]["events"])
        }
    )
    if missed:
        seen["C"] = (
            f"The umbrella funder missed a grant round in {', '.join(missed)}; its grantees lost staff together."
        )
    return seen
