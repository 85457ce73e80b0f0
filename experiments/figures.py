"""Publication output for figures: SVG, PDF and PNG at a chosen resolution, each stamped with the spec hash and commit.

A figure is built as a `matplotlib.figure.Figure` (no pyplot state), with its legend outside the
data and a small footer naming the sweep's spec hash and the commit of the code that ran it; `save`
writes it in every requested format with the same stamp in the file's metadata (PNG text chunks,
SVG Dublin Core, PDF document info). SVG keeps text as text and fixed ids, so the same figure gives
the same file; PDF embeds TrueType fonts, as journals ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("svg", "pdf", "png")
DEFAULT_DPI = 150
FOOTER_HEIGHT = 0.035  # share of the figure height kept free for the stamp
CATEGORY_AXES = ("Policy", "Input", "Outcome")  # axes that hold categories, not quantities (no unit)


@dataclass(frozen=True)
class Stamp:
    """What made a figure: the sweep's spec hash, the commit of its runs' code, the program version."""

    spec_hash: str = ""
    commit: str | None = None
    dirty: bool | None = None
    version: str = ""
    sweep: str = ""

    @property
    def text(self) -> str:
        """One line for the footer and the metadata."""
        commit = (self.commit or "unknown")[:10] + ("+uncommitted changes" if self.dirty else "")
        return (
            f"{self.sweep} | spec {self.spec_hash[:12] or 'unknown'} | commit {commit} | borrowed-time {self.version}"
        )

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Stamp:
        """The stamp of a sweep: its spec hash and the code commit of its last session."""
        sessions = [s for s in manifest.get("sessions", []) if isinstance(s, dict) and s.get("code")]
        code = sessions[-1]["code"] if sessions else manifest.get("git", {})
        return cls(
            spec_hash=str(manifest.get("spec_hash", "")),
            commit=code.get("commit"),
            dirty=code.get("dirty"),
            version=str(manifest.get("version") or ""),
            sweep=str(manifest.get("name", "")),
        )


@dataclass(frozen=True)
class Output:
    """Where and how figures are written: formats, resolution and the stamp."""

    formats: tuple[str, ...] = ("png",)
    dpi: int = DEFAULT_DPI
    stamp: Stamp = field(default_factory=Stamp)


def parse_formats(text: str) -> tuple[str, ...]:
    """`svg,pdf,png` as a tuple of formats; a one-line error naming what is allowed."""
    from model.parameters import ParameterError

    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [item for item in formats if item not in FORMATS]
    if not formats or unknown:
        raise ParameterError(f"--format {text!r}: give one or more of {', '.join(FORMATS)}, separated by commas")
    return formats


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure with constrained layout and room at the bottom for the stamp."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    figure.get_layout_engine().set(rect=(0, FOOTER_HEIGHT, 1, 1 - FOOTER_HEIGHT))
    return figure


def legend_outside(figure: Figure, handles: list, labels: list[str], title: str | None = None) -> None:
    """One legend for the whole figure, beside the panels (outside every data area)."""
    if handles:
        figure.legend(handles, labels, loc="outside right center", fontsize=8, title=title, title_fontsize=8)


def _metadata(title: str, stamp: Stamp, kind: str) -> dict[str, Any]:
    """File metadata for one format, carrying the stamp."""
    import matplotlib

    creator = f"borrowed-time {stamp.version} (matplotlib {matplotlib.__version__})"
    if kind == "png":
        return {"Title": title, "Description": stamp.text, "Software": creator, "Source": stamp.text}
    if kind == "svg":
        return {
            "Title": title,
            "Description": stamp.text,
            "Creator": creator,
            "Identifier": stamp.spec_hash,
            "Date": None,
        }
    return {"Title": title, "Subject": stamp.text, "Keywords": stamp.text, "Creator": creator, "CreationDate": None}


def save(figure: Figure, folder: Path, stem: str, output: Output, title: str) -> list[Path]:
    """Stamp the figure (footer and metadata) and write it once per format; return the paths."""
    import matplotlib

    figure.text(0.995, 0.004, output.stamp.text, ha="right", va="bottom", fontsize=6, color="0.45")
    paths = []
    rc = {"svg.fonttype": "none", "svg.hashsalt": output.stamp.spec_hash or "borrowed-time", "pdf.fonttype": 42}
    with matplotlib.rc_context(rc):
        for kind in output.formats:
            path = folder / f"{stem}.{kind}"
            figure.savefig(path, dpi=output.dpi, metadata=_metadata(title, output.stamp, kind))
            paths.append(path)
    return paths
