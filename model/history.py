"""The hindcast's time-varying inputs: dated entries of `model/data/history.toml`, applied to a running model.

Only a model with `history_inputs = true` (the `history` preset) reads them; for any other the
schedule is empty and changes nothing. Five kinds of entry (the file's header describes them):
a registry's January-2019 state from an observed figure, a parameter set from a date on, a calendar
year's malicious packages (turned into that year's arrival rate), a documented spam campaign and a
sponsor's earmarked security money paid to one registry between two dates.
Entries dated at or before the start are in force when the model is built; later ones are applied at
the start of the first week on or after their date, through `RegistryModel.set_parameters`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from model.parameters import LIVE_PARAMETERS, ModelParameters, ParameterError, changed_parameters

if TYPE_CHECKING:
    from model.model import RegistryModel
    from model.profiles import RegistryCatalogue

WEEKS_PER_YEAR = 52
DAYS_PER_YEAR = 365.0
START_FIELDS = ("downloads_per_week",)  # registry state a [[start]] entry may set
ORIGIN = "history inputs"


@dataclass(frozen=True)
class Start:
    """A registry's state at the start, from a value observed at calendar time `at`."""

    registry: str
    field: str
    value: float
    at: float
    source: str


@dataclass(frozen=True)
class Dated:
    """Parameter changes from calendar time `at` on; a spam campaign's (registry, packages, weeks) if one starts then."""

    at: float
    changes: dict[str, Any]
    source: str
    spam: tuple[str, float, int] | None = None


@dataclass(frozen=True)
class Sponsor:
    """A sponsor's money for security staff at one registry, USD a year, from calendar time `at` until `until`."""

    registry: str
    name: str
    usd_per_year: float
    at: float
    until: float
    source: str


@dataclass(frozen=True)
class HistoryInputs:
    """The schedule of one run: start states and dated changes (empty outside the hindcast)."""

    starts: tuple[Start, ...] = ()
    dated: tuple[Dated, ...] = ()
    sponsors: tuple[Sponsor, ...] = ()
    due: dict[int, list[Dated]] = field(default_factory=dict)  # week index -> entries applied that week

    @classmethod
    def for_parameters(cls, p: ModelParameters) -> HistoryInputs:
        """The schedule for a run with parameters `p` (empty unless `history_inputs`)."""
        if not p.history_inputs:
            return cls()
        starts, dated = load_entries(p.malware_growth_per_year, p.start_year)
        due: dict[int, list[Dated]] = {}
        for entry in dated:
            week = due_week(entry.at, p.start_year)
            if week > 0:
                due.setdefault(week, []).append(entry)
        return cls(starts, dated, load_sponsors(), due)

    def parameters_at_start(self, p: ModelParameters, catalogue: RegistryCatalogue) -> ModelParameters:
        """`p` with every change dated at or before the start applied."""
        changes: dict[str, Any] = {}
        for entry in self.dated:
            if due_week(entry.at, p.start_year) <= 0:
                changes.update(entry.changes)
        return changed_parameters(p, changes, catalogue=catalogue, mid_run=False) if changes else p

    def set_start_state(self, model: RegistryModel) -> None:
        """Give each registry its observed start state (before its books open)."""
        p = model.p
        for entry in self.starts:
            registry = model.registries_by_name.get(entry.registry)
            if registry is None:
                raise ParameterError(
                    f"{ORIGIN}: unknown registry {entry.registry!r}; allowed: {', '.join(model.registry_names)}"
                )
            growth = registry.profile.download_growth_per_year * p.demand_growth_multiplier
            setattr(registry, entry.field, entry.value / (1 + growth) ** (entry.at - p.start_year))
        for sponsor in self.sponsors:
            if sponsor.registry not in model.registries_by_name:
                raise ParameterError(
                    f"{ORIGIN}: unknown registry {sponsor.registry!r}; allowed: {', '.join(model.registry_names)}"
                )

    def pay_sponsors(self, model: RegistryModel) -> None:
        """Pay this week's earmarked sponsor money (booked as a grant: it pays security staff), in its dated weeks."""
        for sponsor in self.sponsors:
            if (
                due_week(sponsor.at, model.p.start_year)
                <= model.week_index
                < due_week(sponsor.until, model.p.start_year)
            ):
                registry = model.registries_by_name[sponsor.registry]
                registry.receive("grant", sponsor.usd_per_year / WEEKS_PER_YEAR, payer=f"sponsor:{sponsor.name}")

    def apply_due(self, model: RegistryModel) -> None:
        """Apply the entries due this week: parameter changes, then any spam campaign that starts."""
        for entry in self.due.get(model.week_index, ()):
            if entry.changes:
                model.set_parameters(**entry.changes)
            if entry.spam is not None:
                registry, packages, weeks = entry.spam
                model.set_parameters(spam_burst_registry=registry, spam_burst_packages=packages, spam_burst_weeks=weeks)
                model._start_spam_burst(int(model.time) + weeks, " (documented campaign)")


def due_week(at: float, start_year: int) -> int:
    """The week index whose start is the first at or after calendar time `at`."""
    return math.ceil((at - start_year) * WEEKS_PER_YEAR - 1e-9)


def arrival_rate_per_day(packages: float, year: int, start_year: int, growth_per_year: float) -> float:
    """The `malware_arrivals_per_day` whose expected arrivals in calendar `year` are `packages`.

    Arrivals in week w grow as (1 + g) ** (w / 52) from the start (model/malware.py), so the rate is
    the year's packages per day over the mean growth factor of that year's weeks.
    """
    first = (year - start_year) * WEEKS_PER_YEAR
    factors = [(1 + growth_per_year) ** (week / WEEKS_PER_YEAR) for week in range(first, first + WEEKS_PER_YEAR)]
    return packages / DAYS_PER_YEAR / (sum(factors) / len(factors))


@lru_cache(maxsize=8)
def load_entries(growth_per_year: float, start_year: int, text: str | None = None) -> tuple[tuple, tuple]:
    """The file's entries as start states and dated changes (malware years as rates); one-line errors."""
    try:
        table = tomllib.loads(text if text is not None else entries_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{ORIGIN}: malformed TOML ({exc})") from None
    starts = tuple(_start(entry, f"{ORIGIN}, start {i + 1}") for i, entry in enumerate(table.get("start", [])))
    dated = [_change(entry, f"{ORIGIN}, change {i + 1}") for i, entry in enumerate(table.get("change", []))]
    for i, entry in enumerate(table.get("malware", [])):
        dated += _malware_year(entry, f"{ORIGIN}, malware {i + 1}", growth_per_year, start_year)
    for i, entry in enumerate(table.get("spam", [])):
        where = f"{ORIGIN}, spam {i + 1}"
        spam = (_text(entry, "registry", where), _number(entry, "packages", where), int(_number(entry, "weeks", where)))
        dated.append(Dated(_number(entry, "at", where), {}, _text(entry, "source", where), spam))
    for entry in dated:
        _check_values(entry)
    return starts, tuple(sorted(dated, key=lambda entry: entry.at))


def _malware_year(entry: dict[str, Any], origin: str, growth_per_year: float, start_year: int) -> list[Dated]:
    """A year's malicious packages: its arrival rate, and the part the record calls spam as a year-long npm campaign.

    `spam_share` (default 0) of the year's packages are spam (repository abuse, placeholders and
    unwanted apps), spread over `spam_weeks` (default 52) from the year's start at `spam_registry`.
    """
    year = int(_number(entry, "year", origin))
    packages = _number(entry, "packages", origin)
    spam_share = _number(entry, "spam_share", origin) if "spam_share" in entry else 0.0
    if not 0 <= spam_share <= 1:
        raise ParameterError(f"{origin}: 'spam_share' must be a share from 0 to 1 (got {spam_share:g})")
    source = _text(entry, "source", origin)
    rate = arrival_rate_per_day(packages * (1 - spam_share), year, start_year, growth_per_year)
    dated = [Dated(float(year), {"malware_arrivals_per_day": rate}, source)]
    if spam_share > 0:
        weeks = int(_number(entry, "spam_weeks", origin)) if "spam_weeks" in entry else WEEKS_PER_YEAR
        registry = str(entry.get("spam_registry", "npm"))
        spam = packages * spam_share * weeks / WEEKS_PER_YEAR
        dated.append(Dated(float(year), {}, _text(entry, "spam_source", origin), (registry, spam, weeks)))
    return dated


@lru_cache(maxsize=8)
def load_sponsors(text: str | None = None) -> tuple[Sponsor, ...]:
    """The file's [[sponsor]] entries (one-line errors)."""
    try:
        table = tomllib.loads(text if text is not None else entries_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{ORIGIN}: malformed TOML ({exc})") from None
    return tuple(_sponsor(entry, f"{ORIGIN}, sponsor {i + 1}") for i, entry in enumerate(table.get("sponsor", [])))


def _sponsor(entry: dict[str, Any], origin: str) -> Sponsor:
    """A [[sponsor]] entry: `usd_per_year` (above 0) to `registry` from `at` until `until` (after `at`)."""
    usd, at, until = (_number(entry, name, origin) for name in ("usd_per_year", "at", "until"))
    if usd <= 0:
        raise ParameterError(f"{origin}: 'usd_per_year' must be above 0 (got {usd:g})")
    if until <= at:
        raise ParameterError(f"{origin}: 'until' must be after 'at' (got {until:g} and {at:g})")
    fields = (_text(entry, "registry", origin), _text(entry, "name", origin))
    return Sponsor(*fields, usd, at, until, _text(entry, "source", origin))


def entries_text() -> str:
    """The shipped history inputs (TOML)."""
    return (resources.files("model") / "data" / "history.toml").read_text()


def _number(entry: dict[str, Any], name: str, origin: str) -> float:
    """A required number field."""
    value = entry.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{origin}: field {name!r} must be a number (got {value!r:.60})")
    return float(value)


def _text(entry: dict[str, Any], name: str, origin: str) -> str:
    """A required text field."""
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise ParameterError(f"{origin}: field {name!r} must be text (got {value!r:.60})")
    return value


def _start(entry: dict[str, Any], origin: str) -> Start:
    """A [[start]] entry."""
    name = _text(entry, "field", origin)
    if name not in START_FIELDS:
        raise ParameterError(f"{origin}: field {name!r} cannot be set; allowed: {', '.join(START_FIELDS)}")
    value = _number(entry, "value", origin)
    if value <= 0:
        raise ParameterError(f"{origin}: 'value' must be above 0 (got {value:g})")
    return Start(
        _text(entry, "registry", origin), name, value, _number(entry, "at", origin), _text(entry, "source", origin)
    )


def _change(entry: dict[str, Any], origin: str) -> Dated:
    """A [[change]] entry: one live parameter from a date on."""
    name = _text(entry, "parameter", origin)
    if name not in LIVE_PARAMETERS:
        raise ParameterError(f"{origin}: parameter {name!r} cannot change in a running model (not live)")
    if "value" not in entry:
        raise ParameterError(f"{origin}: field 'value' is missing")
    return Dated(_number(entry, "at", origin), {name: entry["value"]}, _text(entry, "source", origin))


def _check_values(entry: Dated) -> None:
    """Validate an entry's values as parameters (one line naming the parameter)."""
    try:
        if entry.changes:
            changed_parameters(ModelParameters(), entry.changes, mid_run=False)
        if entry.spam is not None:
            registry, packages, weeks = entry.spam
            changed_parameters(
                ModelParameters(),
                {"spam_burst_registry": registry, "spam_burst_packages": packages, "spam_burst_weeks": weeks},
                mid_run=False,
            )
    except ParameterError as exc:
        raise ParameterError(f"{ORIGIN} ({entry.source[:40]}...): {exc}") from None
