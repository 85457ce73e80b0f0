"""The workshop in words (decisions, cards) and the causal loops: their signs, the diagram, and what a room set going."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from viz.workshop.diagram import BOX_H, BOX_W, diagram_svg
from viz.workshop.loops import LINKS, LOOPS, NODES, loops_seen
from viz.workshop.roles import ROLE_BOOK
from viz.workshop.wording import card_text, changes, decision_timeline, field_hint, field_label


def test_every_decision_field_has_a_name_in_words_and_a_hint():
    """No field shows its Python name: labels are descriptions, hints say what is allowed."""
    for role in ROLE_BOOK.roles:
        for name, spec in ROLE_BOOK.forms[role].model_fields.items():
            label, hint = field_label(spec), field_hint(spec)
            assert label and name not in label and "_" not in label, (role, name, label)
            assert hint and "_" not in hint, (role, name, hint)


def test_decision_changes_are_told_in_words():
    """Only what changed is listed, with units, yes/no and choices in words."""
    before = ROLE_BOOK.default_decision("pypi")
    after = {**before, "extra_security_fte": 5.0, "paid_tier": True}
    assert changes(ROLE_BOOK, "pypi", before, after) == [
        "Security staff paid from own budget, on top of today's: 0 FTE → 5 FTE",
        "Sell an enterprise tier to heavy consumers at USD 50,000 a year: no → yes",
    ]
    umbrella = ROLE_BOOK.default_decision("umbrella")
    assert changes(ROLE_BOOK, "umbrella", umbrella, {**umbrella, "allocation": "weights", "commitment_years": 1}) == [
        "Split grants by need, or by the weights below: by need → weights"
    ]


def test_the_timeline_lists_changes_of_the_decision_in_force_only():
    """A resubmitted identical decision is no change; a change in round 3 is listed in round 3."""
    same = ROLE_BOOK.default_decision("npm")
    history = {1: {"npm": same}, 2: {"npm": same}, 3: {"npm": {**same, "per_package_fee_usd": 2.0}}}
    assert decision_timeline(history, ROLE_BOOK, 3) == [
        {"round": 3, "role": "npm", "changes": ["Fee per new package published: USD 0 → USD 2"]}
    ]
    assert decision_timeline(history, ROLE_BOOK, 2) == []


def test_cards_are_told_in_words():
    """A card is its title plus its options in words, not a dict."""
    assert card_text({"card": "worm", "payload": {"registry": "crates", "week_of_year": 30}}, ROLE_BOOK) == (
        "A worm on crates.io in week 30"
    )
    assert card_text({"card": "spam_flood", "payload": {"bursts": 1}}, ROLE_BOOK) == "An AI spam flood of 1 burst"
    assert card_text({"card": "regulation", "payload": {}}, ROLE_BOOK) == "Regulation"


def test_each_loops_cycle_is_made_of_links_and_its_signs_match_its_kind():
    """A loop's cycle runs over drawn links; an even number of − makes it reinforcing, an odd one balancing."""
    signs = {(source, target): sign for source, target, sign, _loops, _bend in LINKS}
    for loop in LOOPS:
        if not loop.cycle:
            continue
        steps = list(zip(loop.cycle, (*loop.cycle[1:], loop.cycle[0])))
        assert all(step in signs for step in steps), loop.code
        negatives = sum(signs[step] == "−" for step in steps)
        assert ("reinforcing" in loop.kind) == (negatives % 2 == 0), loop.code
        assert loop.code.startswith("R") == (negatives % 2 == 0), loop.code
        member = {(s, t) for s, t, _sign, loops, _bend in LINKS if loop.code in loops}
        assert set(steps) <= member, loop.code  # the cycle's links are drawn in the loop's colour


def test_the_diagram_draws_every_variable_and_link_and_colours_only_the_loops_seen():
    """Valid SVG with a box per variable and a path per link; a highlighted loop's colour appears, others' not."""
    svg = diagram_svg({"R2"})
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}rect")) == len(NODES) + 1  # the background
    assert len(root.findall(f"{ns}path")) == len(LINKS)
    assert len(root.findall(f"{ns}defs/{ns}marker")) == 2  # grey arrow heads and R2's
    colours = {loop.code: loop.colour for loop in LOOPS}
    assert colours["R2"] in svg and colours["R1"] not in svg
    boxes = list(NODES.values())
    for i, (_lines, x, y) in enumerate(boxes):
        for _other, x2, y2 in boxes[i + 1 :]:
            assert abs(x - x2) >= BOX_W or abs(y - y2) >= BOX_H  # boxes do not overlap


def _summary(year: int, worms: int = 0, runway: float = 12.0, events: tuple = ()) -> dict:
    """A minimal round summary for the loops' evidence."""
    registry = {"runway_months": runway, "status": "healthy", "security_fte": 2.0, "removal_median_hours": 20.0}
    return {
        "year": year,
        "registries": {name: dict(registry) for name in ROLE_BOOK.registry_roles},
        "share_developers_on_alternatives": 0.01,
        "worm_outbreaks": worms,
        "corporate_support_usd": 1e7,
        "events": list(events),
    }


def test_loops_seen_follow_what_happened_in_the_room():
    """A worm, a fee, falling runways and a missed round each set their loop going; a quiet room sets none."""
    quiet = {1: _summary(2026), 2: _summary(2027)}
    assert loops_seen(quiet, quiet, {}, [], ROLE_BOOK) == {}
    eventful = {1: _summary(2026, runway=12.0), 2: _summary(2027, worms=1, runway=7.0)}
    fee = {1: {"npm": {**ROLE_BOOK.default_decision("npm"), "per_package_fee_usd": 3.0}}}
    cards = [{"round": 2, "card": "missed_round", "payload": {}}]
    seen = loops_seen(eventful, quiet, fee, cards, ROLE_BOOK)
    assert set(seen) == {"R1", "B1", "R2", "C"}
    assert "2027" in seen["R2"] and "npm" in seen["B1"] and "12 → 7 months" in seen["R1"]
