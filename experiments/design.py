"""Design points: full factorial grids, Latin hypercubes, SALib's Sobol and Morris samples, rows of a file.

`make_design` returns the scenarios as a frame (one row per point, one column per uncertainty, in
model units) and, for Sobol and Morris, the sample matrix SALib's analysers need. `make_lever_points`
draws the policies of a lever design (one row per policy, named `levers-<k>` unless a lever file
names them).
"""

from __future__ import annotations

import copy
import itertools
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.spec import ExperimentSpec, ParameterSpec
from model.parameters import ModelParameters


@dataclass
class Design:
    """Points to run, and what SALib needs to analyse them."""

    points: pd.DataFrame  # point_id plus one column per varied parameter
    samples: np.ndarray | None = None  # SALib's sample matrix (log space for loguniform ranges)
    problem: dict[str, Any] = field(default_factory=dict)  # SALib problem (a copy; SALib mutates its own)


def is_integer_parameter(name: str) -> bool:
    """Whether a model parameter holds whole numbers (so sampled values are rounded)."""
    annotation = ModelParameters.model_fields[name].annotation
    if annotation is int:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return int in typing.get_args(annotation)
    return False


def grid_values(item: ParameterSpec) -> list[Any]:
    """The values a parameter takes in a full factorial grid."""
    if item.values is not None:
        return list(item.values)
    low, high = item.range
    if item.distribution == "loguniform":
        return list(np.clip(np.geomspace(low, high, item.levels), low, high))
    return list(np.linspace(low, high, item.levels))


def from_unit(item: ParameterSpec, unit: np.ndarray) -> np.ndarray | list[Any]:
    """Map draws on [0, 1) to parameter values by the parameter's distribution (or its value list)."""
    if item.values is not None:
        index = np.minimum((unit * len(item.values)).astype(int), len(item.values) - 1)
        return [item.values[i] for i in index]
    low, high = item.range
    if item.distribution == "loguniform":
        return np.clip(np.exp(np.log(low) + unit * (np.log(high) - np.log(low))), low, high)
    return low + unit * (high - low)


def salib_problem(spec: ExperimentSpec) -> dict[str, Any]:
    """The SALib problem: names and bounds (log bounds for loguniform ranges)."""
    bounds = []
    for item in spec.uncertainties.values():
        low, high = item.range
        bounds.append([float(np.log(low)), float(np.log(high))] if item.distribution == "loguniform" else [low, high])
    return {"num_vars": len(spec.uncertainties), "names": list(spec.uncertainties), "bounds": bounds}


def from_salib(spec: ExperimentSpec, samples: np.ndarray) -> dict[str, np.ndarray]:
    """Turn SALib's samples (log space for loguniform ranges) into model values per parameter."""
    columns = {}
    for j, (name, item) in enumerate(spec.uncertainties.items()):
        column = samples[:, j]
        columns[name] = np.clip(np.exp(column), *item.range) if item.distribution == "loguniform" else column
    return columns


def _finish(spec: ExperimentSpec, columns: dict[str, Any], n_points: int) -> pd.DataFrame:
    """A points frame with integer parameters rounded and a point_id column first."""
    frame = pd.DataFrame({"point_id": np.arange(n_points, dtype=np.int64)})
    for name, values in columns.items():
        series = pd.Series(values)
        if is_integer_parameter(name) and pd.api.types.is_float_dtype(series):
            series = series.round().astype(np.int64)
        frame[name] = series.to_numpy()
    return frame


def count_points(spec: ExperimentSpec) -> int:
    """How many scenarios `make_design` draws, worked out from the spec alone (nothing is drawn)."""
    kind, samples, dimensions = spec.design.kind, spec.design.samples, len(spec.uncertainties)
    if kind == "file":
        return len(spec._design_table)
    if kind == "full_factorial":
        return math.prod(
            len(item.values) if item.values is not None else item.levels for item in spec.uncertainties.values()
        )
    if kind == "latin_hypercube":
        return samples
    if kind == "sobol":
        return samples * (2 * dimensions + 2 if spec.design.second_order else dimensions + 2)
    return samples * (dimensions + 1)  # Morris: trajectories of D + 1 points


def count_lever_points(spec: ExperimentSpec) -> int:
    """How many policies the lever design draws (0 without levers), from the spec alone."""
    if spec._lever_table is not None:
        return len(spec._lever_table)
    if not spec.levers:
        return 0
    if spec.lever_design.kind == "latin_hypercube":
        return spec.lever_design.samples
    return math.prod(len(item.values) if item.values is not None else item.levels for item in spec.levers.values())


def _grid(varied: dict[str, ParameterSpec]) -> dict[str, list[Any]]:
    """Every combination of the varied parameters' values, as columns (the last parameter varies fastest)."""
    names = list(varied)
    combos = list(itertools.product(*(grid_values(varied[name]) for name in names))) if names else [()]
    return {name: [combo[j] for combo in combos] for j, name in enumerate(names)}


def _hypercube(varied: dict[str, ParameterSpec], samples: int, rng: np.random.Generator) -> dict[str, Any]:
    """A Latin hypercube of `samples` points over the varied parameters."""
    from scipy.stats import qmc

    names = list(varied)
    unit = qmc.LatinHypercube(d=len(names), rng=rng).random(samples)
    return {name: from_unit(varied[name], unit[:, j]) for j, name in enumerate(names)}


def make_design(spec: ExperimentSpec) -> Design:
    """Draw the scenarios deterministically from the spec's root seed (or take a file design's rows)."""
    kind = spec.design.kind
    if kind == "file":
        table = spec._design_table
        return Design(_finish(spec, {name: table[name].to_numpy() for name in table.columns}, len(table)))
    if kind == "full_factorial":
        columns = _grid(spec.uncertainties)
        return Design(_finish(spec, columns, count_points(spec)))
    if kind == "latin_hypercube":
        columns = _hypercube(spec.uncertainties, spec.design.samples, np.random.default_rng(spec.seed))
        return Design(_finish(spec, columns, spec.design.samples))
    problem = salib_problem(spec)
    if kind == "sobol":
        from SALib.sample import sobol

        samples = sobol.sample(
            copy.deepcopy(problem), spec.design.samples, calc_second_order=spec.design.second_order, seed=spec.seed
        )
    else:
        from SALib.sample import morris

        samples = morris.sample(
            copy.deepcopy(problem), spec.design.samples, num_levels=spec.design.levels, seed=spec.seed
        )
    columns = from_salib(spec, samples)
    return Design(_finish(spec, columns, len(samples)), samples=samples, problem=problem)


LEVER_STREAM = 1  # the lever design draws from SeedSequence([seed, 1]), apart from the scenarios' stream


def make_lever_points(spec: ExperimentSpec) -> pd.DataFrame:
    """The policies a lever design draws: a `policy` name column and one column per lever (empty without levers)."""
    count = count_lever_points(spec)
    if count == 0:
        return pd.DataFrame(columns=["policy"])
    if spec._lever_table is not None:
        table = spec._lever_table
        columns = {name: table[name].to_numpy() for name in table.columns if name != "policy"}
        names = list(table["policy"]) if "policy" in table.columns else None
    else:
        rng = np.random.default_rng([spec.seed, LEVER_STREAM])
        latin = spec.lever_design.kind == "latin_hypercube"
        columns = _hypercube(spec.levers, count, rng) if latin else _grid(spec.levers)
        names = None
    frame = _finish(spec, columns, count).drop(columns="point_id")
    width = max(3, len(str(count - 1)))
    frame.insert(0, "policy", names or [f"levers-{k:0{width}d}" for k in range(count)])
    return frame
