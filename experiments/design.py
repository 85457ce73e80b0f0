"""Design points: full factorial grids, Latin hypercubes, and SALib's Sobol and Morris samples.

`make_design` returns the points as a frame (one row per point, one column per varied parameter,
in model units) and, for Sobol and Morris, the sample matrix SALib's analysers need.
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
    for item in spec.parameters.values():
        low, high = item.range
        bounds.append([float(np.log(low)), float(np.log(high))] if item.distribution == "loguniform" else [low, high])
    return {"num_vars": len(spec.parameters), "names": list(spec.parameters), "bounds": bounds}


def from_salib(spec: ExperimentSpec, samples: np.ndarray) -> dict[str, np.ndarray]:
    """Turn SALib's samples (log space for loguniform ranges) into model values per parameter."""
    columns = {}
    for j, (name, item) in enumerate(spec.parameters.items()):
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
    """How many points `make_design` draws, worked out from the spec alone (nothing is drawn)."""
    kind, samples, dimensions = spec.design.kind, spec.design.samples, len(spec.parameters)
    if kind == "full_factorial":
        return math.prod(
            len(item.values) if item.values is not None else item.levels for item in spec.parameters.values()
        )
    if kind == "latin_hypercube":
        return samples
    if kind == "sobol":
        return samples * (2 * dimensions + 2 if spec.design.second_order else dimensions + 2)
    return samples * (dimensions + 1)  # Morris: trajectories of D + 1 points


def make_design(spec: ExperimentSpec) -> Design:
    """Draw the design's points deterministically from the spec's root seed."""
    kind = spec.design.kind
    names = list(spec.parameters)
    if kind == "full_factorial":
        grids = [grid_values(spec.parameters[name]) for name in names]
        combos = list(itertools.product(*grids)) if names else [()]
        columns = {name: [combo[j] for combo in combos] for j, name in enumerate(names)}
        return Design(_finish(spec, columns, len(combos)))
    if kind == "latin_hypercube":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(spec.seed)).random(spec.design.samples)
        columns = {name: from_unit(spec.parameters[name], unit[:, j]) for j, name in enumerate(names)}
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
