"""Scenario discovery and feature scoring on a finished sweep, with EMA Workbench's PRIM, CART and extra trees.

`analyze --discover OUTCOME [--threshold '>500']` marks the runs of interest (the outcome meets the
condition), runs EMA Workbench's PRIM and CART over the sweep's inputs (uncertainties, levers, and
the policy name when policies are named rather than drawn) and writes, into
`<analysis>/discover-<OUTCOME>/`: the PRIM peeling trajectory, the chosen box with its limits,
quasi-p values, coverage and density, CART's boxes, and a coverage–density trade-off figure.
`--feature-scores` (and `--discover`) write extra-trees feature scores of every final outcome.
EMA Workbench is an optional extra (`pip install 'borrowed-time[ema]'`), imported only here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.catalogue import outcome_info, parameter_info
from experiments.figures import Output, legend_outside, new_figure, save
from experiments.spec import SpecError

if TYPE_CHECKING:
    from experiments.analysis import Sweep

DEFAULT_MIN_DENSITY = 0.8
TOP_SHARE = 0.1  # without a threshold or a goal: the top 10% of runs are of interest
MASS_MIN = 0.05  # smallest share of runs a PRIM box or CART leaf may hold (EMA's default)
EMA_EXTRA = "pip install 'borrowed-time[ema]'"
CONDITION = re.compile(r"^\s*(>=|<=|>|<)?\s*([-+0-9.eE]+)\s*$")
OPERATORS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """EMA Workbench without its warnings about parts not used here (ipyparallel) and its pandas deprecations."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def ema_available() -> bool:
    """Whether EMA Workbench is installed."""
    return importlib.util.find_spec("ema_workbench") is not None


def require_ema() -> None:
    """A one-line error when EMA Workbench is missing."""
    if not ema_available():
        raise SpecError(f"--discover and --feature-scores use EMA Workbench, an optional extra: {EMA_EXTRA}")


@dataclass(frozen=True)
class Question:
    """Which runs are of interest: an outcome, a comparison and a value (model units), and the box rule."""

    outcome: str
    operator: str
    value: float
    source: str  # where the condition came from: --threshold, the spec's goal, or the top 10%
    min_density: float = DEFAULT_MIN_DENSITY

    @property
    def text(self) -> str:
        """The condition as text, e.g. 'worm_packages_compromised > 500'."""
        return f"{self.outcome} {self.operator} {self.value:g}"

    def cases(self, values: pd.Series) -> np.ndarray:
        """Which values meet the condition."""
        return OPERATORS[self.operator](values.to_numpy(dtype=float), self.value)

    @classmethod
    def parse(cls, sweep: Sweep, outcome: str, threshold: str | None, min_density: float) -> Question:
        """The question for `outcome`, checked to split the runs: --threshold, else the goal missed, else the worst 10%."""
        question = cls._from(sweep, outcome, threshold, min_density)
        cases = int(question.cases(sweep.ok[outcome]).sum())
        if cases == 0 or cases == len(sweep.ok):
            raise SpecError(
                f"--discover: {cases} of {len(sweep.ok)} runs meet {question.text}; choose a --threshold that splits "
                "the runs"
            )
        return question

    @classmethod
    def _from(cls, sweep: Sweep, outcome: str, threshold: str | None, min_density: float) -> Question:
        """The question for `outcome`: from --threshold, else the spec's goal (missed), else the worst 10% of runs."""
        if outcome not in sweep.final:
            raise SpecError(f"--discover {outcome!r}: not a final outcome of this sweep ({', '.join(sweep.final)})")
        values = sweep.ok[outcome].dropna()
        if values.empty:
            raise SpecError(f"--discover {outcome!r}: no finished run has a value")
        if threshold is not None:
            match = CONDITION.match(threshold)
            if not match:
                raise SpecError(
                    f"--threshold {threshold!r}: give a number with an optional >, >=, < or <=, e.g. '>500'"
                )
            return cls(outcome, match.group(1) or ">", float(match.group(2)), "--threshold", min_density)
        goal = sweep.goals.get(outcome, {})
        if goal.get("threshold") is not None:
            operator = ">" if goal["direction"] == "minimize" else "<"
            return cls(outcome, operator, float(goal["threshold"]), "goal missed", min_density)
        worst_low = goal.get("direction") == "maximize"
        value = float(values.quantile(TOP_SHARE if worst_low else 1 - TOP_SHARE))
        return cls(outcome, "<" if worst_low else ">", value, "worst 10% of runs", min_density)


def inputs_frame(sweep: Sweep) -> pd.DataFrame:
    """The inputs of every finished run: uncertainties and levers, plus the policy name when policies are named."""
    columns = [name for name in sweep.inputs if name in sweep.ok.columns]
    frame = sweep.ok[columns].copy()
    if len(sweep.policies) > 1 and not sweep.levers:
        frame["policy"] = sweep.ok["policy"].astype(str)
    for name in frame.columns:
        if pd.api.types.is_bool_dtype(frame[name]) or frame[name].dtype == object:
            frame[name] = frame[name].astype(str)
        elif pd.api.types.is_integer_dtype(frame[name]):
            frame[name] = frame[name].astype("int64")
        elif pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = frame[name].astype("float64")
        else:
            frame[name] = frame[name].astype(str)
    return frame.reset_index(drop=True)


def prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float) -> tuple[Any, int, pd.DataFrame]:
    """EMA's PRIM: one box, the trajectory step chosen (highest coverage at the minimum density, else the densest)."""
    with quiet():
        from ema_workbench.analysis import prim

        finder = prim.Prim(x, y, mass_min=MASS_MIN)
        box = finder.find_box()
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory[trajectory["density"] >= min_density]
    chosen = int(dense["coverage"].idxmax()) if len(dense) else int(trajectory["density"].idxmax())
    with quiet():
        box.select(chosen)
    return box, chosen, trajectory


def box_limits(box: Any, chosen: int, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's restricted inputs: limits (model units), the data's range, and quasi-p values."""
    limits = box.box_lims[chosen]
    initial = box.box_lims[0]
    quasi_p = box.p_values[chosen]
    rows = []
    for name in quasi_p:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        numeric = pd.api.types.is_numeric_dtype(x[name])
        rows.append(
            {
                "input": name,
                "low": low if numeric else None,
                "high": high if numeric else None,
                "categories": None if numeric else ", ".join(sorted(map(str, low))),
                "data_low": initial[name].iloc[0] if numeric else None,
                "data_high": initial[name].iloc[1] if numeric else None,
                "quasi_p_low": quasi_p[name][0],
                "quasi_p_high": quasi_p[name][1],
            }
        )
    return pd.DataFrame(rows)


def cart_boxes(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EMA's CART: the leaves' box limits and their coverage, density, mass and restricted dimensions."""
    with quiet():
        from ema_workbench.analysis import cart

        tree = cart.CART(x, y, mass_min=MASS_MIN)
        tree.build_tree()
        limits = tree.boxes_to_dataframe()
        stats = tree.stats_to_dataframe()
    limits.columns = [f"{box} {bound}" for box, bound in limits.columns]
    return limits.reset_index(names="input"), stats.reset_index(names="box")


def feature_scores(sweep: Sweep, x: pd.DataFrame) -> pd.DataFrame:
    """Extra-trees feature scores (EMA Workbench) of every final outcome over the inputs; columns sum to 1."""
    with quiet():
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    outcomes = {name: sweep.ok[name].to_numpy(dtype=float) for name in sweep.final}
    outcomes = {name: values for name, values in outcomes.items() if np.isfinite(values).all() and np.ptp(values) > 0}
    if not outcomes or x.empty:
        return pd.DataFrame()
    seed = int(sweep.manifest["seeds"]["root"])
    with quiet():
        scores = feature_scoring.get_feature_scores_all(
            x, outcomes, alg="extra trees", mode=RuleInductionType.REGRESSION, random_state=seed
        )
    return scores.rename_axis("input").reset_index()


def slug(name: str) -> str:
    """An outcome name as a folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def tradeoff_figure(trajectory: pd.DataFrame, chosen: int, question: Question, n_runs: int, cases: int):
    """PRIM's peeling trajectory: coverage against density, coloured by restricted inputs; the chosen box marked."""
    from matplotlib.ticker import MaxNLocator

    figure = new_figure(6.4, 4.6)
    axis = figure.subplots()
    points = axis.scatter(
        100 * trajectory["coverage"], 100 * trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18
    )
    picked = trajectory.loc[chosen]
    ring = axis.scatter(
        [100 * picked["coverage"]], [100 * picked["density"]], s=120, facecolors="none", edgecolors="crimson"
    )
    floor = axis.axhline(100 * question.min_density, color="0.5", linestyle=":", linewidth=1)
    axis.set(xlim=(0, 102), ylim=(0, 102))
    axis.set_xlabel("Coverage (% of runs of interest inside the box)")
    axis.set_ylabel("Density (% of runs in the box that are of interest)")
    bar = figure.colorbar(points, ax=axis)
    bar.set_label("Restricted inputs (count)")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    title = f"PRIM trade-off: {question.text}"
    axis.set_title(f"{title}\n({question.source}; n = {n_runs} runs, {cases} of interest)", fontsize=8)
    chosen_text = f"chosen box: coverage {picked['coverage']:.0%},\ndensity {picked['density']:.0%}"
    legend_outside(figure, [ring, floor], [chosen_text, f"minimum density {question.min_density:.0%}"])
    return figure, title


def box_figure(limits: pd.DataFrame, question: Question):
    """The chosen box's limits on each restricted input, as a share of the input's sampled range."""
    numeric = limits[limits["low"].notna()]
    figure = new_figure(6.4, 1.2 + 0.45 * max(1, len(numeric)))
    axis = figure.subplots()
    for y, row in enumerate(numeric.itertuples()):
        span = (row.data_high - row.data_low) or 1.0
        low, high = ((value - row.data_low) / span * 100 for value in (row.low, row.high))
        axis.plot([0, 100], [y, y], color="0.85", linewidth=6, solid_capstyle="butt")
        axis.plot([low, high], [y, y], color="C0", linewidth=6, solid_capstyle="butt")
        info = parameter_info(row.input, [row.data_low, row.data_high])
        axis.annotate(
            f"{info.scale * row.low:.3g} to {info.scale * row.high:.3g}"
            + ("" if info.unit == "dimensionless" else f" {info.unit}"),
            (high, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    axis.set_yticks(range(len(numeric)), [parameter_info(name).title for name in numeric["input"]], fontsize=7)
    axis.set(xlim=(0, 130), xlabel="Box limits (% of the input's sampled range)", ylabel="Input")
    axis.invert_yaxis()
    title = f"PRIM box for {question.text}"
    axis.set_title(title, fontsize=8)
    return figure, title


def scores_figure(scores: pd.DataFrame):
    """Feature scores as a heatmap: inputs by outcomes (each outcome's scores sum to 1)."""
    table = scores.set_index("input")
    figure = new_figure(2.6 + 1.1 * table.shape[1], 1.6 + 0.35 * table.shape[0])
    axis = figure.subplots()
    image = axis.imshow(table.to_numpy(dtype=float), cmap="viridis", aspect="auto", vmin=0)
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        axis.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6, color="white")
    axis.set_xticks(
        range(table.shape[1]), [outcome_info(name).title for name in table.columns], rotation=35, ha="right"
    )
    axis.set_yticks(range(table.shape[0]), [_input_label(name) for name in table.index])
    axis.tick_params(labelsize=6)
    axis.set(xlabel="Outcome", ylabel="Input")
    bar = figure.colorbar(image, ax=axis)
    bar.set_label("Feature score (share of importance, 0–1)")
    title = "Extra-trees feature scores (EMA Workbench)"
    axis.set_title(title, fontsize=8)
    return figure, title


def _input_label(name: str) -> str:
    """An input's label: a parameter's, or the policy name column."""
    return "Policy" if name == "policy" else parameter_info(name).title


def write_discovery(sweep: Sweep, folder: Path, output: Output, question: Question | None) -> list[Path]:
    """Write feature scores and, for a question, PRIM and CART results into the analysis folder; return the paths."""
    x = inputs_frame(sweep)
    written: list[Path] = []
    scores = feature_scores(sweep, x)
    if not scores.empty:
        scores.to_csv(folder / "feature-scores.csv", index=False)
        figure, title = scores_figure(scores)
        written += [folder / "feature-scores.csv", *save(figure, folder, "feature-scores", output, title)]
    if question is None:
        return written
    return written + write_boxes(sweep, x, folder / f"discover-{slug(question.outcome)}", output, question)


def write_boxes(sweep: Sweep, x: pd.DataFrame, folder: Path, output: Output, question: Question) -> list[Path]:
    """PRIM and CART for one question: trajectory, chosen box, CART leaves, figures and the question itself."""
    y = question.cases(sweep.ok[question.outcome])
    cases = int(y.sum())
    folder.mkdir(exist_ok=True)
    box, chosen, trajectory = prim_box(x, y, question.min_density)
    limits = box_limits(box, chosen, x)
    cart_limits, cart_stats = cart_boxes(x, y)
    picked = trajectory.loc[chosen]
    summary = {
        **asdict(question),
        "condition": question.text,
        "runs": len(y),
        "runs_of_interest": cases,
        "inputs": list(x.columns),
        "prim_box": {
            "trajectory_step": chosen,
            "coverage": float(picked["coverage"]),
            "density": float(picked["density"]),
            "mass": float(picked["mass"]),
            "restricted_inputs": int(picked["res_dim"]),
        },
    }
    tables = {
        "prim-trajectory.csv": trajectory,
        "prim-box.csv": limits,
        "cart-boxes.csv": cart_limits,
        "cart-stats.csv": cart_stats,
    }
    written = []
    for name, table in tables.items():
        table.to_csv(folder / name, index=False)
        written.append(folder / name)
    (folder / "question.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    figure, title = tradeoff_figure(trajectory, chosen, question, len(y), cases)
    written += [folder / "question.json", *save(figure, folder, "prim-tradeoff", output, title)]
    if limits["low"].notna().any():
        figure, title = box_figure(limits, question)
        written += save(figure, folder, "prim-box", output, title)
    return written


def summary_line(folder: Path, question: Question) -> str:
    """One line on the PRIM box found, for the terminal."""
    summary = json.loads((folder / f"discover-{slug(question.outcome)}" / "question.json").read_text())
    box = summary["prim_box"]
    limits = pd.read_csv(folder / f"discover-{slug(question.outcome)}" / "prim-box.csv")
    ranges = "; ".join(
        f"{row.input} in [{row.low:.3g}, {row.high:.3g}]"
        if pd.notna(row.low)
        else f"{row.input} in {{{row.categories}}}"
        for row in limits.itertuples()
    )
    return (
        f"PRIM box for {question.text} ({summary['runs_of_interest']} of {summary['runs']} runs): coverage "
        f"{box['coverage']:.2f}, density {box['density']:.2f}, {box['restricted_inputs']} restricted inputs: {ranges}"
    )
