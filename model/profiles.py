"""What a registry is made of: its profile numbers, its catalogue entry, and the catalogue.

A `RegistryProfile` holds a registry's starting state and structural numbers (values for the
start of 2026). A `RegistryEntry` holds everything else the code needs to know about one
incumbent: its profile with a source note per number, its display colour, the chance that a
consuming firm depends on it, its weight in the workshop's random worm card, and the text of its
workshop role. A `RegistryCatalogue` is the ordered set of entries a model is given (the shipped
one is `model.catalogue.REGISTRIES`); registry names, indices, colours, roles and grant
eligibility all derive from it. Sources are detailed in `docs/calibration.md`, section 4.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from model.errors import FrozenDict

Share = Annotated[float, Field(ge=0.0, le=1.0)]
ALTERNATIVE_SUFFIX = "-alt"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class RegistryProfile(BaseModel):
    """Starting state and structural constants of one registry (values for the start of 2026)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Short name used in parameters and outputs (lower case, e.g. 'npm').")
    label: str = Field(description="Display label (e.g. 'crates.io').")
    downloads_per_week: float = Field(gt=0, le=1e15, description="Requests served per week, start of 2026.")
    download_growth_per_year: float = Field(ge=0, le=10, description="Yearly growth rate of downloads.")
    packages: float = Field(ge=0, le=1e10, description="Package (project) stock.")
    new_packages_per_week: float = Field(gt=0, le=1e9, description="New packages published per week.")
    uploads_per_week: float = Field(ge=0, le=1e10, description="Files or versions uploaded per week.")
    publishers: float = Field(ge=0, le=1e9, description="Active publishing accounts.")
    malware_share: Share = Field(description="Share of all malicious arrivals that target this registry.")
    cdn_share: Share = Field(description="Share of bandwidth carried free by a CDN donor (0 = none).")
    cdn_contract_end_year: int | None = Field(description="Last year of a multi-year CDN contract, else None.")
    cloud_credit_cover: Share = Field(
        description="Share of storage, compute and origin bandwidth covered by cloud credits at the start."
    )
    cloud_credit_growth_per_year: float = Field(ge=0, le=1, description="Yearly growth of the cloud credits.")
    volunteer_cover: Share = Field(description="Share of mitigation and other labour done unpaid at the start.")
    ops_fte: float = Field(ge=0, le=10_000, description="Operations staff, FTE.")
    own_security_fte: float = Field(ge=0, le=10_000, description="Security staff the registry pays itself, FTE.")
    volunteer_security_fte: float = Field(
        0.0,
        ge=0,
        le=10_000,
        description="Unpaid security work (report triage, takedowns), FTE; an incumbent's is inside its own_security_fte.",
    )
    umbrella_eligible: bool = Field(description="Can receive umbrella-funder grants (a non-profit steward).")
    reserves_months: float = Field(ge=0, le=240, description="Cash reserves at the start, in months of cash cost.")
    corporate_revenue_share: Share = Field(description="Share of the starting revenue from corporate support.")
    start_balance: float = Field(gt=0, le=10, description="Starting revenue divided by starting cash cost.")
    reserve_target_months: float = Field(
        ge=0, le=240, description="Reserves the owner budgets to hold, in months of projected cash cost."
    )
    steward_capacity_multiple: float = Field(
        ge=0,
        le=100,
        description="The owner's fundraising capacity for the registry at the start, as a multiple of its starting budget.",
    )
    steward_capacity_growth_per_year: float = Field(
        ge=-0.5, le=2, description="Yearly growth of the owner's fundraising capacity."
    )
    incumbent_name: str = Field(
        "", description="For an alternative registry: the incumbent whose ecosystem it serves ('' otherwise)."
    )


def alternative_profile(
    incumbent: RegistryProfile,
    entry_reach_share: float,
    volunteer_cover: float,
    ops_fte: float,
    security_fte: float,
    volunteer_security_fte: float = 0.0,
    reserves_months: float = 9.0,
) -> RegistryProfile:
    """A free alternative (mirror, fork or new entrant) to an incumbent: small, volunteer-run, sponsored.

    Every number here is an assumption (its staffing and volunteer work are parameters): a
    sponsor pays its steward budget and starting reserves (`reserves_months` of cost); it has no CDN or cloud
    donors; it gets no umbrella grants; its sponsor budgets like a company steward.
    """
    return incumbent.model_copy(
        update={
            "name": f"{incumbent.name}{ALTERNATIVE_SUFFIX}",
            "label": f"{incumbent.label} alternative",
            # reference sizes for costs: a registry this small has its costs scaled from the incumbent's
            "downloads_per_week": incumbent.downloads_per_week * entry_reach_share,
            "packages": incumbent.packages * entry_reach_share,
            "new_packages_per_week": incumbent.new_packages_per_week * entry_reach_share,
            "uploads_per_week": incumbent.uploads_per_week * entry_reach_share,
            "publishers": 0.0,
            "malware_share": incumbent.malware_share * entry_reach_share,
            "cdn_share": 0.0,
            "cdn_contract_end_year": None,
            "cloud_credit_cover": 0.0,
            "cloud_credit_growth_per_year": 0.0,
            "volunteer_cover": volunteer_cover,
            "ops_fte": ops_fte,
            "own_security_fte": security_fte,
            "volunteer_security_fte": volunteer_security_fte,
            "umbrella_eligible": False,
            "reserves_months": reserves_months,
            "corporate_revenue_share": 0.0,
            "start_balance": 1.0,
            "reserve_target_months": 12.0,
            "steward_capacity_multiple": 1.0,
            "steward_capacity_growth_per_year": 0.0,
            "incumbent_name": incumbent.name,
        }
    )


def full_cost_from_downloads(
    downloads_per_week: float, anchor_cost_usd: float, anchor_downloads_per_week: float, exponent: float
) -> float:
    """Fully costed USD per year of a registry, scaled from the anchor registry by downloads ** exponent."""
    ratio = downloads_per_week / anchor_downloads_per_week
    return anchor_cost_usd * ratio**exponent


def _frozen_text(value: dict[str, str]) -> FrozenDict:
    """Source notes as an unchangeable mapping."""
    return FrozenDict(value)


class RegistryEntry(BaseModel):
    """Everything about one incumbent registry, in one place (docs/contributing.md: adding a registry)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: RegistryProfile = Field(description="Starting numbers (section 4 of docs/calibration.md).")
    sources: Annotated[dict[str, str], AfterValidator(_frozen_text)] = Field(
        default_factory=FrozenDict, description="Profile field -> where its number comes from, or 'assumption'."
    )
    colour: str = Field(min_length=1, description="Display colour in charts (a matplotlib colour).")
    dependency_probability: Share = Field(
        description="Chance that a consuming firm depends on the registry (assumption; ecosystem reach)."
    )
    worm_card_weight: float = Field(
        ge=0, le=1000, description="Relative chance that the workshop's random worm card starts here."
    )
    board_label: str = Field(min_length=1, description="Name of the registry's workshop role (e.g. 'PyPI board').")
    board_situation: str = Field(min_length=1, description="The situation text on the workshop role card.")

    @property
    def name(self) -> str:
        """The registry's short name."""
        return self.profile.name

    @property
    def label(self) -> str:
        """The registry's display label."""
        return self.profile.label

    @property
    def grant_eligible(self) -> bool:
        """Whether the umbrella and public funders may grant to it."""
        return self.profile.umbrella_eligible

    @model_validator(mode="after")
    def _check_names(self) -> RegistryEntry:
        """An incumbent's name is a lower-case word; its sources name its own profile fields."""
        name = self.profile.name
        if not NAME_PATTERN.match(name):
            raise ValueError(f"registry name {name!r} must be lower-case letters, digits or '_'")
        if self.profile.incumbent_name:
            raise ValueError(f"registry {name!r}: a catalogue entry is an incumbent (no incumbent_name)")
        unknown = [field for field in self.sources if field not in RegistryProfile.model_fields]
        if unknown:
            raise ValueError(f"registry {name!r}: source note for unknown profile field {unknown[0]!r}")
        return self


class RegistryCatalogue(BaseModel):
    """The incumbent registries a model is built with, in index order; everything per registry derives from it.

    Incumbent *i* has index *i*; the alternative to incumbent *i* (created only if one enters)
    has index `len(catalogue) + i`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: tuple[RegistryEntry, ...] = Field(min_length=1, description="One entry per incumbent registry.")

    @model_validator(mode="after")
    def _unique_names(self) -> RegistryCatalogue:
        """Names are unique."""
        names = [entry.name for entry in self.entries]
        duplicate = next((name for name in names if names.count(name) > 1), None)
        if duplicate is not None:
            raise ValueError(f"registry {duplicate!r} appears twice")
        return self

    def __len__(self) -> int:
        """Number of incumbents."""
        return len(self.entries)

    def __iter__(self):  # type: ignore[override]
        """The entries in index order."""
        return iter(self.entries)

    def __contains__(self, name: object) -> bool:
        """Whether an incumbent of this name is in the catalogue."""
        return name in self.names

    def __getitem__(self, name: str) -> RegistryEntry:
        """The entry of an incumbent, by name."""
        return self.entries[self.names.index(name)]

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Incumbent names by index."""
        return tuple(entry.name for entry in self.entries)

    @cached_property
    def alternative_names(self) -> tuple[str, ...]:
        """Names of the incumbents' alternatives, by incumbent index."""
        return tuple(f"{name}{ALTERNATIVE_SUFFIX}" for name in self.names)

    @cached_property
    def registry_names(self) -> tuple[str, ...]:
        """Every registry name by index: incumbents, then their alternatives."""
        return self.names + self.alternative_names

    @cached_property
    def profiles(self) -> tuple[RegistryProfile, ...]:
        """Incumbent profiles by index."""
        return tuple(entry.profile for entry in self.entries)

    @cached_property
    def labels(self) -> dict[str, str]:
        """Display label of every incumbent."""
        return {entry.name: entry.label for entry in self.entries}

    @cached_property
    def colours(self) -> dict[str, str]:
        """Display colour of every incumbent."""
        return {entry.name: entry.colour for entry in self.entries}

    @cached_property
    def grant_eligible(self) -> tuple[str, ...]:
        """Incumbents the umbrella and public funders may grant to, in index order."""
        return tuple(entry.name for entry in self.entries if entry.grant_eligible)

    @cached_property
    def malware_target(self) -> str:
        """The incumbent most malware targets (by default, where spam bursts and worms fired by hand start)."""
        return max(self.entries, key=lambda entry: entry.profile.malware_share).name

    @cached_property
    def by_dependency(self) -> tuple[str, ...]:
        """Incumbents from the most to the least likely to be used by a firm (ties in index order)."""
        return tuple(sorted(self.names, key=lambda name: -self[name].dependency_probability))

    def uploads_per_new_package(self) -> np.ndarray:
        """Uploads per new package by registry index (an alternative uses its incumbent's)."""
        return np.array([p.uploads_per_week / p.new_packages_per_week for p in self.profiles] * 2)

    def with_entry(self, entry: RegistryEntry) -> RegistryCatalogue:
        """A catalogue with one more incumbent, appended at the next index."""
        return RegistryCatalogue(entries=(*self.entries, entry))
