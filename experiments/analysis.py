"""`borrowed-time analyze`: summary tables with confidence intervals, sensitivity indices, robustness, figures.

Reads a sweep folder (manifest, runs, series, design, policies) and writes into `<folder>/analysis/`:
`summary.csv` (per policy and, for grids, per parameter value), `policy_effects.csv` (paired
differences from the baseline; policies share seeds), `yearly_summary.csv` (quantiles of each
yearly series), `sensitivity.csv` (Sobol or Morris indices, or rank correlations for a Latin
hypercube or a file design), `robustness.csv` (each policy across the scenarios: percentiles,
regret against the best policy per scenario, satisficing share), and the figures of
`experiments/analysis_plots.py` in the formats asked for. Failed runs are left out and counted.
Scenario discovery and feature scoring are in `experiments/discovery.py`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from experiments.figures import Output, Stamp
from experiments.outfolder import check_output_folder, write_marker
from experiments.spec import BASELINE, SpecError
from experiments.store import (
    DESIGN_FILE,
    MANIFEST_FILE,
    POLICIES_FILE,
    RUNS_FILE,
    SERIES_FILE,
    PartStore,
    read_manifest,
    read_parquet,
)

CONFIDENCE = 0.95


class Sweep:
    """A finished (or partly finished) sweep read back from its folder."""

    def __init__(self, out: Path) -> None:
        """Read the manifest and tables; fall back to the part files of an unfinished sweep."""
        self.out = out
        self.manifest: dict[str, Any] = read_manifest(out)
        rebuild = f"`borrowed-time sweep {self.manifest.get('spec_file', 'SPEC')} --out {out} --resume` rebuilds it"
        if (out / RUNS_FILE).is_file():
            self.runs = read_parquet(out / RUNS_FILE, rebuild)
            self.series = read_parquet(out / SERIES_FILE, rebuild)
        else:
            store = PartStore(out, writing=False, policy_order=list(self.manifest.get("policies", [])))
            rerun = f"`borrowed-time sweep {self.manifest.get('spec_file', 'SPEC')} --out {out} --resume` runs it again"
            self.runs, self.series = store.read_runs(rerun), store.read_series(rerun)
        if self.runs.empty:
            raise SpecError(f"{str(out)!r}: no finished runs yet")
        self.design = read_parquet(out / DESIGN_FILE, "the sweep must be run again in a new folder")
        try:
            self.parameters: list[str] = self.manifest.get("uncertainties", self.manifest.get("parameters"))
            self.levers: list[str] = self.manifest.get("levers", [])
            self.goals: dict[str, dict[str, Any]] = self.manifest.get("goals", {})
            self.final: list[str] = self.manifest["outcomes"]["final"]
            self.yearly: list[str] = self.manifest["outcomes"]["yearly"]
            self.policies: list[str] = self.manifest["policies"]
            self.kind: str = self.manifest["design"]["kind"]
        except (KeyError, TypeError) as exc:
            raise SpecError(f"{str(out / MANIFEST_FILE)!r} is not a sweep manifest (no {exc})") from None
        self.ok = self.runs[self.runs["status"] == "ok"]
        self.policy_table = (
            read_parquet(out / POLICIES_FILE, "the sweep must be run again in a new folder")
            if (out / POLICIES_FILE).is_file()
            else pd.DataFrame({"policy": self.policies})
        )

    @property
    def inputs(self) -> list[str]:
        """The columns that describe a run's inputs: uncertainties, then levers."""
        return [*self.parameters, *self.levers]

    @property
    def grid_parameters(self) -> list[str]:
        """Varied parameters to group by (a full factorial grid's); none for sampled designs."""
        return list(self.parameters) if self.kind == "full_factorial" else []


def mean_ci(values: pd.Series) -> dict[str, float]:
    """n, mean, standard deviation and a 95% t-interval for the mean."""
    clean = values.dropna().astype(float)
    n = len(clean)
    mean = float(clean.mean()) if n else float("nan")
    std = float(clean.std(ddof=1)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * std / np.sqrt(n)) if n > 1 else float("nan")
    if n > 1 and std == 0:
        half = 0.0
    return {"n": n, "mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half}


def summary_table(sweep: Sweep) -> pd.DataFrame:
    """Per policy (and grid point) and outcome: n, mean, std and the 95% interval; failures counted."""
    keys = ["policy", *sweep.grid_parameters]
    failed = sweep.runs.assign(failed=sweep.runs["status"] == "failed").groupby(keys)["failed"].sum()
    rows = []
    for group, frame in sweep.ok.groupby(keys, sort=False):
        group = group if isinstance(group, tuple) else (group,)
        for outcome in sweep.final:
            rows.append(
                {
                    **dict(zip(keys, group)),
                    "outcome": outcome,
                    **mean_ci(frame[outcome]),
                    "runs_failed": int(failed.get(group if len(group) > 1 else group[0], 0)),
                }
            )
    table = pd.DataFrame(rows)
    order = {name: i for i, name in enumerate(sweep.policies)}
    return table.sort_values(
        [*keys, "outcome"], key=lambda s: s.map(order) if s.name == "policy" else s, kind="stable"
    ).reset_index(drop=True)


def policy_effects(sweep: Sweep) -> pd.DataFrame:
    """Each policy minus the baseline, paired on point and replication (common random numbers)."""
    if len(sweep.policies) < 2:
        return pd.DataFrame()
    keys = ["point_id", "replication"]
    base = sweep.ok[sweep.ok["policy"] == BASELINE].set_index(keys)
    rows = []
    for policy in sweep.policies[1:]:
        other = sweep.ok[sweep.ok["policy"] == policy].set_index(keys)
        joined = other.join(base[sweep.final].add_suffix("__base"), how="inner")
        groups = joined.groupby(sweep.grid_parameters, sort=True) if sweep.grid_parameters else [((), joined)]
        for group, frame in groups:
            group = group if isinstance(group, tuple) else (group,)
            for outcome in sweep.final:
                difference = frame[outcome] - frame[f"{outcome}__base"]
                rows.append(
                    {
                        "policy": policy,
                        **dict(zip(sweep.grid_parameters, group)),
                        "outcome": outcome,
                        **{f"difference_{k}": v for k, v in mean_ci(difference).items()},
                    }
                )
    return pd.DataFrame(rows)


def yearly_summary(sweep: Sweep, group_by: str) -> pd.DataFrame:
    """Quantiles (10, 25, 50, 75, 90%) and mean of each yearly series per group and year."""
    if sweep.series.empty:
        return pd.DataFrame()
    ok_ids = set(sweep.ok["run_id"])
    series = sweep.series[sweep.series["run_id"].isin(ok_ids)]
    if group_by != "policy":
        series = series.merge(sweep.runs[["run_id", group_by]], on="run_id")
    grouped = series.groupby([group_by, "metric", "year"])["value"]
    table = grouped.quantile([0.1, 0.25, 0.5, 0.75, 0.9]).unstack()
    table.columns = [f"p{round(q * 100)}" for q in table.columns]
    table["mean"] = grouped.mean()
    table["n"] = grouped.count()
    return table.reset_index().rename(columns={group_by: "group"}).assign(group_by=group_by)


def point_means(sweep: Sweep, policy: str) -> pd.DataFrame:
    """Mean outcome per design point (over replications) for one policy, in design order."""
    frame = sweep.runs[sweep.runs["policy"] == policy]
    means = frame.groupby("point_id")[sweep.final].mean()
    return means.reindex(sweep.design["point_id"])


def sensitivity_table(sweep: Sweep) -> pd.DataFrame:
    """Sobol or Morris indices (SALib), or Spearman rank correlations for a Latin hypercube."""
    if sweep.kind == "full_factorial" or not sweep.parameters:
        return pd.DataFrame()
    rows = []
    for policy in sweep.policies:
        means = point_means(sweep, policy)
        for outcome in sweep.final:
            y = means[outcome].to_numpy(dtype=float)
            base = {"policy": policy, "outcome": outcome, "method": sweep.kind}
            if not np.isfinite(y).all():
                rows.append(
                    {**base, "parameter": None, "note": "skipped: failed runs leave design points without a value"}
                )
                continue
            if np.ptp(y) == 0:
                rows.append({**base, "parameter": None, "note": "skipped: the outcome does not vary"})
                continue
            rows.extend({**base, **row} for row in _indices(sweep, y))
    table = pd.DataFrame(rows)
    if sweep.kind == "sobol" and "S1" in table:
        indices = table[["S1", "ST"]]
        table["outside_unit_interval"] = ((indices < 0) | (indices > 1)).any(axis=1) & table["parameter"].notna()
    return table


def _indices(sweep: Sweep, y: np.ndarray) -> list[dict[str, Any]]:
    """Indices of one outcome's point means, one row per parameter."""
    names = sweep.parameters
    seed = int(sweep.manifest["seeds"]["root"])
    if sweep.kind in ("latin_hypercube", "file"):
        rows = []
        for name in names:
            rho, p_value = stats.spearmanr(sweep.design[name].astype(float), y)
            rows.append({"parameter": name, "spearman_rho": float(rho), "p_value": float(p_value)})
        return rows
    problem = copy.deepcopy(sweep.manifest["design"]["salib_problem"])  # SALib mutates the problem it is given
    spec_design = sweep.manifest["spec"]["design"]
    if sweep.kind == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=spec_design["second_order"], seed=seed)
        return [
            {
                "parameter": name,
                "S1": result["S1"][i],
                "S1_conf": result["S1_conf"][i],
                "ST": result["ST"][i],
                "ST_conf": result["ST_conf"][i],
            }
            for i, name in enumerate(names)
        ]
    from SALib.analyze import morris

    samples = sweep.design[[f"sample.{name}" for name in names]].to_numpy(dtype=float)
    result = morris.analyze(problem, samples, y, num_levels=spec_design["levels"], seed=seed)
    return [
        {
            "parameter": name,
            "mu": result["mu"][i],
            "mu_star": result["mu_star"][i],
            "mu_star_conf": result["mu_star_conf"][i],
            "sigma": result["sigma"][i],
        }
        for i, name in enumerate(names)
    ]


def fan_group(sweep: Sweep) -> str:
    """What the fan charts compare: policies if there are several, else a grid's single parameter."""
    if len(sweep.policies) > 1 or not sweep.grid_parameters:
        return "policy"
    first = sweep.grid_parameters[0]
    return first if sweep.runs[first].nunique() <= 8 else "policy"


ANALYSIS_KIND = "analysis"


def check_analysis_folder(folder: Path) -> None:
    """Refuse (one line) an analysis folder that `analyze` may not write: a file, or a folder it did not make."""
    check_output_folder(folder, ANALYSIS_KIND)


def robustness_table(sweep: Sweep) -> pd.DataFrame:
    """Each policy across the scenarios (design points): percentiles, regret and satisficing share per outcome.

    A scenario's value is the mean over its replications. Regret is the distance to the best policy in
    the same scenario, in the goal's direction; the satisficing share counts scenarios that meet the
    goal's threshold. Without a goal an outcome gets its percentiles only.
    """
    if len(sweep.policies) < 2 and not sweep.goals:
        return pd.DataFrame()
    means = sweep.ok.groupby(["policy", "point_id"])[sweep.final].mean()
    levers = sweep.policy_table.set_index("policy").drop(columns=["kind"], errors="ignore")
    rows = []
    for outcome in sweep.final:
        goal = sweep.goals.get(outcome, {})
        direction, threshold = goal.get("direction"), goal.get("threshold")
        table = means[outcome].unstack("policy").reindex(columns=sweep.policies)
        complete = table.dropna()
        best = complete.min(axis=1) if direction == "minimize" else complete.max(axis=1)
        for policy in sweep.policies:
            values = table[policy].dropna()
            regret = (complete[policy] - best).abs() if direction else pd.Series(dtype=float)
            meets = (
                (values <= threshold if direction == "minimize" else values >= threshold)
                if threshold is not None
                else None
            )
            rows.append(
                {
                    "policy": policy,
                    "outcome": outcome,
                    "direction": direction,
                    "threshold": threshold,
                    "scenarios": len(values),
                    "mean": values.mean(),
                    "p10": values.quantile(0.1),
                    "p50": values.quantile(0.5),
                    "p90": values.quantile(0.9),
                    "max_regret": regret.max() if len(regret) else np.nan,
                    "mean_regret": regret.mean() if len(regret) else np.nan,
                    "satisficing_share": meets.mean() if meets is not None and len(values) else np.nan,
                    **(levers.loc[policy].to_dict() if policy in levers.index else {}),
                }
            )
    return pd.DataFrame(rows)


def analyze(out: Path, folder: Path | None = None, output: Output | None = None) -> list[Path]:
    """Write the tables and figures of a sweep into `folder` (default `<out>/analysis/`); return the paths written."""
    folder = folder or Path(out) / "analysis"
    check_analysis_folder(folder)
    return write_analysis(Sweep(Path(out)), folder, output)


def analysis_tables(sweep: Sweep) -> dict[str, pd.DataFrame]:
    """Every table of a sweep's analysis, by file name (empty where the design has none)."""
    return {
        "summary.csv": summary_table(sweep),
        "policy_effects.csv": policy_effects(sweep),
        "yearly_summary.csv": yearly_summary(sweep, fan_group(sweep)),
        "sensitivity.csv": sensitivity_table(sweep),
        "robustness.csv": robustness_table(sweep),
    }


def prepare_folder(folder: Path) -> None:
    """Create an analysis folder (after the folder check) and mark it as analyze's."""
    check_analysis_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_marker(folder, ANALYSIS_KIND)


def write_analysis(sweep: Sweep, folder: Path, output: Output | None = None) -> list[Path]:
    """Write the tables and figures of a sweep already read into `folder`, marked as an analysis; return the paths."""
    from experiments import analysis_plots

    output = output or Output(stamp=Stamp.from_manifest(sweep.manifest))
    prepare_folder(folder)
    written: list[Path] = []
    tables = analysis_tables(sweep)
    for name, table in tables.items():
        if table.empty:
            continue
        table.to_csv(folder / name, index=False)
        written.append(folder / name)
    written += analysis_plots.write_plots(sweep, tables, folder, output)
    return written
