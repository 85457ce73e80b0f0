"""The causal-loop diagram as SVG, drawn from `viz.workshop.loops`, with the loops this room set going highlighted.

Links are quadratic curves between variable boxes, each with its sign near the arrow head.
A link takes the colour of the first highlighted loop it belongs to; the others stay grey. The
SVG holds repository text only (escaped all the same) and is shown as an image.
"""

from __future__ import annotations

import base64
import math
from xml.sax.saxutils import escape

from viz.workshop.loops import LINKS, LOOPS, NODES

WIDTH, HEIGHT = 1120, 730
BOX_W, BOX_H = 168, 52
GREY = "#9e9e9e"


def _box_contains(node: str, x: float, y: float, margin: float = 4) -> bool:
    """Whether a point is inside a variable's box (plus a margin, so arrows stop just short of it)."""
    _, cx, cy = NODES[node]
    return abs(x - cx) <= BOX_W / 2 + margin and abs(y - cy) <= BOX_H / 2 + margin


def _point(p0, p1, p2, t: float) -> tuple[float, float]:
    """A point of the quadratic Bézier curve p0-p1-p2 at t."""
    a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
    return a * p0[0] + b * p1[0] + c * p2[0], a * p0[1] + b * p1[1] + c * p2[1]


def _curve(source: str, target: str, bend: float) -> tuple[tuple[float, float], ...]:
    """The link's curve trimmed to the boxes' edges: start, control point, end (a sub-curve of the full one)."""
    _, x0, y0 = NODES[source]
    _, x2, y2 = NODES[target]
    length = math.hypot(x2 - x0, y2 - y0)
    nx, ny = (y0 - y2) / length, (x2 - x0) / length  # unit normal: positive bend bows to the left of travel
    p0, p2 = (x0, y0), (x2, y2)
    p1 = ((x0 + x2) / 2 + bend * nx, (y0 + y2) / 2 + bend * ny)
    steps = [i / 200 for i in range(201)]
    t0 = next(t for t in steps if not _box_contains(source, *_point(p0, p1, p2, t)))
    t1 = next(t for t in reversed(steps) if not _box_contains(target, *_point(p0, p1, p2, t)))
    blossom = tuple(
        (1 - t0) * (1 - t1) * p0[i] + ((1 - t0) * t1 + t0 * (1 - t1)) * p1[i] + t0 * t1 * p2[i] for i in range(2)
    )
    return _point(p0, p1, p2, t0), blossom, _point(p0, p1, p2, t1)


def _link_svg(source: str, target: str, sign: str, loops: tuple[str, ...], bend: float, colours: dict) -> str:
    """One link: its curve, arrow head and sign, in its highlighted loop's colour or grey."""
    start, control, end = _curve(source, target, bend)
    _, x0, y0 = NODES[source]
    _, x2, y2 = NODES[target]
    chord = math.hypot(x2 - x0, y2 - y0)
    side = 1 if bend >= 0 else -1  # the sign sits on the outside of the curve's bow
    nx, ny = side * (y0 - y2) / chord, side * (x2 - x0) / chord
    active = next((code for code in loops if code in colours), None)
    colour = colours.get(active, GREY)
    width, opacity = (4.0, 1.0) if active else (1.8, 0.8)
    marker = f"arrow-{active}" if active else "arrow-grey"
    near = _point(start, control, end, 0.8)
    label = (near[0] + 15 * nx, near[1] + 15 * ny)
    path = f"M{start[0]:.1f},{start[1]:.1f} Q{control[0]:.1f},{control[1]:.1f} {end[0]:.1f},{end[1]:.1f}"
    return (
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}" opacity="{opacity}" '
        f'marker-end="url(#{marker})"/>'
        f'<text x="{label[0]:.1f}" y="{label[1]:.1f}" font-size="22" font-weight="bold" fill="{colour}" '
        f'text-anchor="middle" dominant-baseline="middle">{escape(sign)}</text>'
    )


def _node_svg(node: str) -> str:
    """A variable's box with its label on one or two lines."""
    lines, x, y = NODES[node]
    texts = "".join(
        f'<text x="{x}" y="{y + (i - (len(lines) - 1) / 2) * 19:.1f}" font-size="16" text-anchor="middle" '
        f'dominant-baseline="middle" fill="#212121">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<rect x="{x - BOX_W / 2}" y="{y - BOX_H / 2}" width="{BOX_W}" height="{BOX_H}" rx="10" '
        f'fill="#ffffff" stroke="#455a64" stroke-width="1.5"/>{texts}'
    )


def _badge_svg(code: str, active: bool) -> str:
    """A loop's label at its centre: filled in its colour when highlighted, outlined grey when not."""
    loop = next(loop for loop in LOOPS if loop.code == code)
    x, y = loop.centre
    fill, ink, stroke = (loop.colour, "#ffffff", loop.colour) if active else ("#ffffff", GREY, GREY)
    return (
        f'<circle cx="{x}" cy="{y}" r="27" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        f'<text x="{x}" y="{y + 1}" font-size="20" font-weight="bold" text-anchor="middle" dominant-baseline="middle" '
        f'fill="{ink}">{escape(code)}</text>'
        f'<text x="{x}" y="{y + 44}" font-size="14" text-anchor="middle" fill="{loop.colour if active else GREY}">'
        f"{escape(loop.name)}</text>"
    )


def diagram_svg(highlighted: set[str] | frozenset[str] = frozenset()) -> str:
    """The whole diagram as SVG text, with the loops in `highlighted` (codes) in colour."""
    colours = {loop.code: loop.colour for loop in LOOPS if loop.code in highlighted}
    markers = [("grey", GREY), *colours.items()]
    defs = "".join(
        f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for name, colour in markers
    )
    links = "".join(_link_svg(*link, colours) for link in LINKS)
    nodes = "".join(_node_svg(node) for node in NODES)
    badges = "".join(_badge_svg(loop.code, loop.code in highlighted) for loop in LOOPS)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="DejaVu Sans, Arial, sans-serif"><defs>{defs}</defs>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fafafa"/>{links}{nodes}{badges}</svg>'
    )


def diagram_address(highlighted: set[str] | frozenset[str] = frozenset()) -> str:
    """The diagram as an SVG `data:` address for an image."""
    return "data:image/svg+xml;base64," + base64.b64encode(diagram_svg(highlighted).encode("utf-8")).decode("ascii")
