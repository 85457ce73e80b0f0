"""The hindcast report: a Markdown file, two PNG figures and a terminal summary, from the targets' scores."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from experiments.validation import WEEKS_PER_YEAR, Calibration, Member, Score, first_failures, fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REPORT = "validation.md"
TARGETS_FIGURE = "validation-targets.png"
MALWARE_FIGURE = "validation-malware.png"
FILES = (REPORT, TARGETS_FIGURE, MALWARE_FIGURE)
#: The cumulative malware record drawn on the malware figure: (calendar time, packages).
MALWARE_RECORD = ((2024.5, 704_102), (2025.0, 778_500), (2025 + 7 / 12, 845_000))


def result_text(score: Score) -> str:
    """PASS or FAIL."""
    return "PASS" if score.passed else "FAIL"


def seeds_text(score: Score) -> str:
    """Seeds inside the band, as `k of n`."""
    return f"{score.seeds_in_band} of {len(score.values)}"


def model_text(score: Score) -> str:
    """The model's median and 10-90% range (over the seeds where the metric is defined, if not all)."""
    unit = score.target.unit
    text = f"{fmt(score.median, unit)} [{fmt(score.low, unit)} to {fmt(score.high, unit)}]"
    if score.seeds_with_value < len(score.values):
        text += f" ({score.seeds_with_value} of {len(score.values)} seeds have a value)"
    return text


def failures_text(members: list[Member]) -> str:
    """Which incumbents failed in how many seeds, from which years, and in how many they shut down (Markdown)."""
    failed: dict[str, list[int]] = {}
    shut: dict[str, int] = {}
    for member in members:
        for name, (year, _) in first_failures(member).items():
            failed.setdefault(name, []).append(year)
        rows = member.registries[
            (member.registries["kind"] == "incumbent") & (member.registries["status"] == "shut_down")
        ]
        for name in set(rows["registry"]):
            shut[name] = shut.get(name, 0) + 1
    if not failed:
        return "No incumbent was degraded, read-only or shut down in any seed."
    return "\n".join(
        f"- {name}: failed in {len(years)} of {len(members)} seeds (first in {min(years)} to {max(years)}); "
        f"shut down (insolvent) in {shut.get(name, 0)}"
        for name, years in sorted(failed.items())
    )


def table_rows(scores: list[Score]) -> list[list[str]]:
    """One row per target: target, observed, model, band, seeds in band, result, label."""
    return [
        [
            s.target.description,
            s.target.observed_text,
            model_text(s),
            s.target.band.text(s.target.unit)
            + (f"; {s.target.seeds_needed:.0%} of seeds" if s.target.seeds_needed else ""),
            seeds_text(s),
            result_text(s),
            s.target.label,
        ]
        for s in scores
    ]


HEADER = ["Target", "Observed", "Model median [10-90%]", "Band", "Seeds in band", "Result", "Label"]


def markdown_table(scores: list[Score]) -> str:
    """The results as a Markdown table (text escaped so that a `|` cannot break a row)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in table_rows(scores):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def terminal_summary(scores: list[Score], calibrations: list[Calibration], n_seeds: int, quick: bool) -> str:
    """The summary printed at the end of `validate`: each target, then the calibration list."""
    passed = sum(s.passed for s in scores)
    lines = [
        f"Hindcast from {2019} ({n_seeds} seeds{', quick mode' if quick else ''}): {passed} of {len(scores)} targets pass",
        "",
    ]
    for s in scores:
        lines.append(f"{result_text(s):4s}  {s.target.description} [{s.target.label}]")
        lines.append(
            f"      observed {s.target.observed_text} ({s.target.source}); model {model_text(s)}; "
            f"band {s.target.band.text(s.target.unit)}; {seeds_text(s)} seeds in band"
        )
    lines += ["", "Calibrated to (these figures cannot count as validation):"]
    lines += [f"  - {c.figure}: sets {c.sets} ({c.source})" for c in calibrations]
    return "\n".join(lines)


def markdown_report(
    scores: list[Score], calibrations: list[Calibration], members: list[Member], quick: bool, command: str
) -> str:
    """The report as Markdown: how it was made, the table, sources, the calibration list, the figures."""
    n_seeds = len(members)
    passed = sum(s.passed for s in scores)
    sources = "\n".join(f"- **{s.target.description}**: {s.target.source}" for s in scores)
    calibrated = "\n".join(f"- {c.figure} ({c.source}): sets {c.sets}." for c in calibrations)
    return f"""# Validation: a hindcast from 2019

Made by `{command}`: the `history` preset from January 2019 to December 2025, {n_seeds}
seeds{" (quick mode: a small population; not the full report)" if quick else ""}. Each target's metric is
computed per seed; the table gives the median over seeds and the 10-90% range. A target passes when
the median lies inside the band (and, where a share of seeds is asked, when that many seeds do); a
metric that is undefined in half the seeds or more (a registry that had shut down removes nothing)
fails.
Targets are listed in `experiments/targets/validation.toml`; how each metric is computed is in
`experiments/validation.py`.

**{passed} of {len(scores)} targets pass.** A failed target stays failed: no number was tuned to a
target labelled independent or related, and none of their values is written into the model; a target
labelled calibrated was an input, and checks only how it is carried through.

Labels: *independent*, the figure is used nowhere in the model; *related*, the figure is not an
input but inputs were fitted to figures that overlap it (so passing is weaker evidence);
*calibrated*, a parameter was set from it, so it checks the sampling, not the model.

{markdown_table(scores)}

![Each target: the seeds' values against the band]({TARGETS_FIGURE})

![Cumulative malicious packages identified, against the record]({MALWARE_FIGURE})

## Registry failures (degraded, read-only or shut down)

{failures_text(members)}

## Sources of the observed values

{sources}

## Figures used to calibrate (not validation)

{calibrated}
"""


EDGES = (1.1e-2, 0.9e2)  # values beyond the axis are drawn at its edge


def targets_figure(scores: list[Score]) -> Figure:
    """One row per target: each seed's value over the observed value (log scale), the band shaded."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 0.45 * len(scores) + 1.2), layout="constrained")
    axes = figure.add_subplot()
    for row, s in enumerate(reversed(scores)):
        scale = s.target.observed if s.target.observed else 1.0
        low = s.target.band.low / scale if not math.isinf(s.target.band.low) else 1e-3
        high = s.target.band.high / scale if not math.isinf(s.target.band.high) else 1e3
        axes.fill_betweenx([row - 0.35, row + 0.35], max(low, 1e-3), min(high, 1e3), color="tab:green", alpha=0.2)
        values = np.clip(np.array(s.values, dtype=float) / scale, *EDGES)
        axes.plot(values, np.full(values.size, row), "o", color="tab:grey", markersize=3, alpha=0.7)
        axes.plot(
            [np.clip(s.median / scale, 1e-3, 1e3)],
            [row],
            "D",
            color="tab:blue" if s.passed else "tab:red",
            markersize=6,
        )
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_xscale("log")
    axes.set_xlim(1e-2, 1e2)
    axes.set_yticks(range(len(scores)), [s.target.id for s in reversed(scores)])
    axes.set_xlabel(
        "model / observed (seeds grey; median blue = pass, red = fail; band green; beyond the axis: at its edge)"
    )
    axes.set_title("Hindcast 2019-2025: each target against its band")
    return figure


def malware_figure(members: list[Member]) -> Figure:
    """Cumulative malicious packages identified per seed, with the record's three points."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), layout="constrained")
    axes = figure.add_subplot()
    for member in members:
        frame = member.model
        when = member.params.start_year + frame["time"].to_numpy(float) / WEEKS_PER_YEAR
        axes.plot(when, frame["cumulative_malicious_identified"], color="tab:blue", alpha=0.4, linewidth=1)
    years, counts = zip(*MALWARE_RECORD)
    axes.errorbar(
        years, counts, yerr=[0.15 * c for c in counts], fmt="o", color="black", capsize=3, label="record ± 15%"
    )
    axes.set_xlabel("year")
    axes.set_ylabel("malicious packages identified since 2019")
    axes.set_title("Cumulative malicious packages: model seeds (blue) and the record")
    axes.legend(loc="upper left")
    return figure


def write_report(
    folder: Path, scores: list[Score], calibrations: list[Calibration], members: list[Member], quick: bool, command: str
) -> None:
    """Write the Markdown report and its two figures into `folder`."""
    targets_figure(scores).savefig(folder / TARGETS_FIGURE, dpi=120)
    malware_figure(members).savefig(folder / MALWARE_FIGURE, dpi=120)
    (folder / REPORT).write_text(markdown_report(scores, calibrations, members, quick, command))
