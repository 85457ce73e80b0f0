"""Matplotlib figures for the workshop pages: a role's stocks by round and the debrief replay."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from viz.workshop.roles import RoleBook


def _series(results: dict[int, dict[str, Any]], name: str, key: str) -> tuple[list[int], list[float]]:
    """Rounds and one registry's year-end value of `key`."""
    rounds = sorted(results)
    return [results[r]["year"] for r in rounds], [results[r]["registries"][name][key] for r in rounds]


def registry_figure(
    name: str,
    results: dict[int, dict[str, Any]],
    status_quo: dict[int, dict[str, Any]],
    changed_years: list[int] | None = None,
    colour: str = "black",
) -> Figure:
    """Runway and removal delay of one registry by year (in its catalogue colour), the room's run against the status quo."""
    figure = Figure(figsize=(7, 2.8), layout="constrained")
    runway_axes, removal_axes = figure.subplots(1, 2)
    for axes, key, title in (
        (runway_axes, "runway_months", "Runway (months)"),
        (removal_axes, "removal_median_hours", "Malware removal median (hours)"),
    ):
        years, values = _series(results, name, key)
        base_years, base_values = _series(status_quo, name, key)
        axes.plot(base_years, base_values, color="grey", linestyle="--", label="status quo")
        axes.plot(years, values, color=colour, marker="o", label="this room")
        for year in changed_years or []:
            axes.axvline(year - 0.5, color="#444", alpha=0.3, linewidth=3)
        axes.set_title(title, fontsize=9)
        axes.tick_params(labelsize=8)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    runway_axes.legend(fontsize=7)
    return figure


def ecosystem_figure(results: dict[int, dict[str, Any]], status_quo: dict[int, dict[str, Any]]) -> Figure:
    """Shared outcomes by year: corporate malware harm and developers on alternatives."""
    figure = Figure(figsize=(7, 2.8), layout="constrained")
    harm_axes, alt_axes = figure.subplots(1, 2)
    for run, style, label in (
        (status_quo, {"color": "grey", "linestyle": "--"}, "status quo"),
        (results, {"color": "black", "marker": "o"}, "this room"),
    ):
        rounds = sorted(run)
        years = [run[r]["year"] for r in rounds]
        harm_axes.plot(years, [run[r]["corporate_harm_usd"] / 1e6 for r in rounds], label=label, **style)
        alt_axes.plot(years, [100 * run[r]["share_developers_on_alternatives"] for r in rounds], label=label, **style)
    harm_axes.set_title("Corporate malware harm (USD M a year)", fontsize=9)
    alt_axes.set_title("Developers on alternative registries (%)", fontsize=9)
    harm_axes.legend(fontsize=7)
    for axes in (harm_axes, alt_axes):
        axes.tick_params(labelsize=8)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def decision_changes(
    history: dict[int, dict[str, dict[str, Any]]], role: str, start_year: int, book: RoleBook
) -> list[int]:
    """Years in which a role's team changed its decision from the one in force before."""
    years, previous = [], book.default_decision(role)
    for round_number in sorted(history):
        decision = history[round_number].get(role)
        if decision is not None and decision != previous:
            years.append(start_year + round_number - 1)
            previous = decision
    return years


def debrief_figures(results, status_quo, history, start_year: int, book: RoleBook) -> list[tuple[str, Figure]]:
    """One figure per registry (with its board's decision changes marked) plus the ecosystem figure."""
    figures = [("Ecosystem", ecosystem_figure(results, status_quo))]
    for name in book.registry_roles:
        changed = decision_changes(history, name, start_year, book)
        colour = book.catalogue[name].colour
        figures.append((book.labels[name], registry_figure(name, results, status_quo, changed, colour)))
    return figures
