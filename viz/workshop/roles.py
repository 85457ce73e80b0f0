"""Workshop roles, their decision forms (validated server-side) and how decisions reach the model.

Each role's decision is a pydantic model with bounds; `validate_decision` turns a plain dict
into one or raises a one-line `WorkshopError` naming the field. `apply_decisions` writes a
round's decisions into a running `RegistryModel` at a year boundary:

| role | decision | model lever |
|---|---|---|
| registry board (pypi, npm, crates, rubygems, maven) | per-package fee | `per_package_fee_usd_by_registry` |
| | publisher subscription | `publisher_subscription_usd_by_registry` |
| | extra security staff | `extra_security_fte_by_registry` |
| | paid (enterprise) tier on/off | `fee_registries` + `enterprise_tier_usd_per_year` (one shared price) |
| | token-hygiene programme (FTE) | workshop intervention: ops staff paid by the registry; its developers' token hygiene rises |
| corporations consortium | pledge per developer, share of support as opex | `pledge_usd_per_developer`, `opex_budget_share` |
| umbrella funder | budget, registry share, commitment years, allocation weights | the funder agent's budget, share, `commitment_years`, `allocation_weights` |
| public funder | budget, grant length | the public funder agent's budget and `grant_years` |
| developer community | a statement (no lever; the model plays developers) | none |

A role no team holds keeps the model's default behaviour; a held role that does not submit
in a round keeps its previous decision.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from model.ecosystem import INCUMBENT_NAMES
from model.model import REFERENCE, RegistryModel
from model.parameters import ParameterError

#: Price of the paid (enterprise) tier a registry board can switch on (the enterprise-tier preset).
PAID_TIER_USD_PER_YEAR = 50_000.0
#: Share of the way to full token hygiene one programme FTE moves a registry's developers per year (assumption).
HYGIENE_GAIN_PER_FTE_YEAR = 0.08
#: Most of the remaining gap a programme closes in one year, however large (assumption).
HYGIENE_GAIN_MAX_PER_YEAR = 0.5
#: Registries the umbrella funder may grant to (non-profit stewards).
GRANT_ELIGIBLE = ("pypi", "crates", "rubygems")

REGISTRY_ROLES = tuple(INCUMBENT_NAMES)
ROLES = (*REGISTRY_ROLES, "corporations", "umbrella", "public", "developers")
ROLE_LABELS = {
    "pypi": "PyPI board",
    "npm": "npm board",
    "crates": "crates.io board",
    "rubygems": "RubyGems board",
    "maven": "Maven Central board",
    "corporations": "Corporations consortium",
    "umbrella": "Umbrella security funder",
    "public": "Public funder",
    "developers": "Developer community",
}
ROLE_GOALS = {
    **dict.fromkeys(REGISTRY_ROLES, "Your registry survives (no shutdown, healthy runway) and removes malware fast."),
    "corporations": "Keep your members' total cost (support paid plus malware harm) low.",
    "umbrella": "Buy the most security (removal hours cut at grantees) per dollar granted.",
    "public": "Buy the most security (removal hours cut at grantees) per dollar granted.",
    "developers": "Speak for the publishers: low fees, safe registries, no forced moves.",
}


class WorkshopError(ParameterError):
    """Bad workshop input or request; the message is one line naming the field or the problem."""


class AuthorizationError(WorkshopError):
    """A request without the right key or token for what it asks."""


class Decision(BaseModel):
    """Base of every role's decision form: unknown fields are refused, and types are strict (no "yes" for a bool)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RegistryDecision(Decision):
    """A registry board's yearly policy."""

    per_package_fee_usd: float = Field(0.0, ge=0, le=100, description="Fee per new package published (USD).")
    publisher_subscription_usd_per_year: float = Field(
        0.0, ge=0, le=600, description="Yearly subscription each active publisher pays (USD)."
    )
    extra_security_fte: float = Field(
        0.0, ge=0, le=20, description="Security staff paid from own budget, on top of today's (FTE)."
    )
    token_hygiene_programme_fte: float = Field(
        0.0, ge=0, le=5, description="Staff running trusted-publishing / short-lived-token outreach (FTE)."
    )
    paid_tier: bool = Field(
        False, description=f"Sell an enterprise tier to heavy consumers at USD {PAID_TIER_USD_PER_YEAR:,.0f} a year."
    )


class CorporationsDecision(Decision):
    """The consortium's recommendation to its member firms."""

    pledge_usd_per_developer: float = Field(
        REFERENCE.pledge_usd_per_developer, ge=0, le=20_000, description="Yearly support per developer (USD)."
    )
    opex_budget_share: float = Field(
        REFERENCE.opex_budget_share,
        ge=0,
        le=1,
        description="Share of supporting firms budgeting support as opex contracts.",
    )


class UmbrellaDecision(Decision):
    """The umbrella security funder's yearly plan."""

    budget_usd_per_year: float = Field(
        REFERENCE.umbrella_budget_usd_per_year, ge=0, le=100_000_000, description="Yearly budget (USD)."
    )
    registry_share: float = Field(
        REFERENCE.umbrella_registry_share, ge=0, le=1, description="Share of the budget granted to registries."
    )
    commitment_years: int = Field(
        REFERENCE.umbrella_commitment_years, ge=1, le=5, description="Length of grant commitments (years)."
    )
    allocation: Literal["by_need", "weights"] = Field(
        "by_need", description="Split grants by need, or by the weights below."
    )
    weight_pypi: float = Field(1.0, ge=0, le=10, description="Relative weight of PyPI's grant.")
    weight_crates: float = Field(1.0, ge=0, le=10, description="Relative weight of crates.io's grant.")
    weight_rubygems: float = Field(1.0, ge=0, le=10, description="Relative weight of RubyGems' grant.")


class PublicDecision(Decision):
    """The public funder's yearly plan."""

    budget_usd_per_year: float = Field(
        REFERENCE.public_funder_budget_usd_per_year,
        ge=0,
        le=100_000_000,
        description="Yearly budget for registry security projects (USD).",
    )
    grant_years: int = Field(
        REFERENCE.public_grant_years, ge=1, le=5, description="Length of each project grant (years)."
    )


class DevelopersDecision(Decision):
    """The developer community has no lever; it states its case to the room."""

    statement: str = Field(
        "", max_length=500, description="What the community asks of the other teams (500 characters at most)."
    )


DECISION_FORMS: dict[str, type[Decision]] = {
    **dict.fromkeys(REGISTRY_ROLES, RegistryDecision),
    "corporations": CorporationsDecision,
    "umbrella": UmbrellaDecision,
    "public": PublicDecision,
    "developers": DevelopersDecision,
}


def check_role(role: Any) -> str:
    """Return the role if it is known, else raise a one-line error listing the roles."""
    if role not in ROLES:
        raise WorkshopError(f"unknown role {role!r}; allowed: {', '.join(ROLES)}")
    return role


def validate_decision(role: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate a role's decision; return it as a complete plain dict (defaults filled in)."""
    form = DECISION_FORMS[check_role(role)]
    if not isinstance(values, dict):
        raise WorkshopError(f"decision for {role!r} must be a table of fields (got {type(values).__name__})")
    try:
        return form(**values).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "decision"
        if error["type"] == "extra_forbidden":
            raise WorkshopError(
                f"unknown field {field!r} for role {role!r}; allowed: {', '.join(form.model_fields)}"
            ) from None
        spec = form.model_fields.get(field)
        bounds = _bounds(spec) if spec is not None else ""
        raise WorkshopError(
            f"field {field!r} of {role!r}: {error['msg']}{bounds} (got {error.get('input')!r})"
        ) from None


def field_range(spec: Any) -> tuple[float | None, float | None]:
    """A decision field's inclusive bounds (`ge`, `le`), None where it has none."""
    low = high = None
    for item in spec.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def _bounds(spec: Any) -> str:
    """Describe a field's numeric range, e.g. '; allowed 0 to 100'."""
    low, high = field_range(spec)
    return f"; allowed {low:g} to {high:g}" if low is not None and high is not None else ""


def default_decision(role: str) -> dict[str, Any]:
    """The model's default behaviour for a role, as a decision."""
    return DECISION_FORMS[check_role(role)]().model_dump()


def effective_decisions(history: dict[int, dict[str, dict[str, Any]]], round_number: int) -> dict[str, dict[str, Any]]:
    """Each role's decision in force for a round: its latest submission up to that round, else the default."""
    current = {role: default_decision(role) for role in ROLES}
    for past in sorted(r for r in history if r <= round_number):
        current.update(history[past])
    return current


class HygieneProgrammes:
    """Workshop intervention: programme staff raise a registry's developers' token hygiene yearly."""

    def __init__(self, model: RegistryModel) -> None:
        """Remember each registry's own operations staff so programme staff can be added on top."""
        self.base_ops_fte = {r.name: r.ops_fte for r in model.registry_list}
        self.fte = dict.fromkeys(self.base_ops_fte, 0.0)

    def apply(self, model: RegistryModel, name: str, fte: float) -> None:
        """Staff the programme for the coming year (paid as ops staff) and lift its developers' hygiene."""
        registry = model.registries_by_name[name]
        if registry.ops_fte > 0 or self.base_ops_fte[name] == 0:  # a shut-down registry keeps no staff
            registry.ops_fte = self.base_ops_fte[name] + fte
        self.fte[name] = fte
        if fte <= 0:
            return
        gain = min(HYGIENE_GAIN_MAX_PER_YEAR, HYGIENE_GAIN_PER_FTE_YEAR * fte)
        members = model.developers.home == INCUMBENT_NAMES.index(name)
        hygiene = model.developers.token_hygiene
        hygiene[members] = np.minimum(hygiene[members] + gain * (1 - hygiene[members]), 0.999)


def apply_decisions(model: RegistryModel, programmes: HygieneProgrammes, decisions: dict[str, dict[str, Any]]) -> None:
    """Write one round's decisions (every role, defaults filled) into the model at a year boundary."""
    p = model.p
    per_package, subscription, extra_security, paid = {}, {}, {}, []
    for name in REGISTRY_ROLES:
        board = decisions[name]
        per_package[name] = board["per_package_fee_usd"]
        subscription[name] = board["publisher_subscription_usd_per_year"]
        extra_security[name] = board["extra_security_fte"]
        if board["paid_tier"]:
            paid.append(name)
        programmes.apply(model, name, board["token_hygiene_programme_fte"])
    p.per_package_fee_usd_by_registry = per_package
    p.publisher_subscription_usd_by_registry = subscription
    p.extra_security_fte_by_registry = extra_security
    p.fee_registries = paid
    p.enterprise_tier_usd_per_year = PAID_TIER_USD_PER_YEAR if paid else 0.0

    firms = decisions["corporations"]
    p.pledge_usd_per_developer = firms["pledge_usd_per_developer"]
    p.opex_budget_share = firms["opex_budget_share"]

    umbrella = decisions["umbrella"]
    for funder in model.umbrella_funders:
        funder.full_budget_usd_per_year = umbrella["budget_usd_per_year"] / len(model.umbrella_funders)
        funder.registry_share = umbrella["registry_share"]
        funder.commitment_years = umbrella["commitment_years"]
        funder.allocation_weights = (
            {name: umbrella[f"weight_{name}"] for name in GRANT_ELIGIBLE}
            if umbrella["allocation"] == "weights"
            else None
        )

    public = decisions["public"]
    model.public_funder.budget_usd_per_year = public["budget_usd_per_year"]
    model.public_funder.grant_years = public["grant_years"]
