"""Workshop roles, their decision forms (validated server-side) and how decisions reach the model.

A `RoleBook` holds the roles of one registry catalogue: a board per registry, then the
corporations consortium, the umbrella and public funders and the developer community. Each
role's decision is a pydantic model with bounds; `validate_decision` turns a plain dict into one
or raises a one-line `WorkshopError` naming the field. Where a decision field is a model
parameter it is declared with `parameter_field`: its default comes from the parameter, its game
range must lie inside the parameter's, and the parameter must be changeable in a running model.
`apply_decisions` writes a round's decisions into a running `RegistryModel` at a year boundary,
through the model's one validated change function (`set_parameters`):

| role | decision | model parameter |
|---|---|---|
| registry board (one per registry) | per-package fee | `per_package_fee_usd_by_registry` |
| | publisher subscription | `publisher_subscription_usd_by_registry` |
| | extra security staff | `extra_security_fte_by_registry` |
| | paid (enterprise) tier on/off | `fee_registries` + `enterprise_tier_usd_per_year` (one shared price) |
| | token-hygiene programme (FTE) | workshop intervention: ops staff paid by the registry; its developers' token hygiene rises |
| corporations consortium | pledge per developer, share of support as opex | `pledge_usd_per_developer`, `opex_budget_share` |
| | rescue: emergency appeal, early cost cuts | the registry's appeal and its 'other' cost cut (`viz.workshop.rescue`) |
| umbrella funder | a fixed budget split: registry grants, hygiene programmes, a bail-out; commitment years, allocation weights | `umbrella_budget_usd_per_year` (the budget left after a bail-out), `umbrella_registry_share`, `umbrella_commitment_years`, `umbrella_allocation_weights_by_registry`; programmes and bail-outs paid by the workshop |
| public funder | a fixed budget split: project grants, hygiene programmes, a bail-out; grant length | `public_funder_budget_usd_per_year` (the project-grant part), `public_grant_years` |
| developer community | a statement (no lever; the model plays developers) | none |

Funders do not choose their budget: each has a fixed one (`FUNDER_BUDGET_USD`), and what they
give in one way is not there for another (shares of it may add up to 100% at most; a bail-out
is paid first). A role no team holds keeps the model's default behaviour; a held role that does
not submit in a round keeps its previous decision.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from model.catalogue import REGISTRIES
from model.errors import allowed_range, numeric_bounds
from model.model import RegistryModel
from model.parameters import LIVE_PARAMETERS, ModelParameters, ParameterError
from model.profiles import RegistryCatalogue
from viz.workshop.rescue import bail_out, board_responses

#: Price of the paid (enterprise) tier a registry board can switch on (the enterprise-tier preset).
PAID_TIER_USD_PER_YEAR = 50_000.0
#: Share of the way to full token hygiene one programme FTE moves a registry's developers per year (assumption).
HYGIENE_GAIN_PER_FTE_YEAR = 0.08
#: Most of the remaining gap a programme closes in one year, however large (assumption).
HYGIENE_GAIN_MAX_PER_YEAR = 0.5
#: Each funder team's fixed yearly budget (USD): the umbrella funder's is the model's (Alpha-Omega's $5 M a year,
#: docs/calibration.md); the public funder's is an assumption, a slice of the Sovereign Tech Agency's EUR 17 M (2024)
#: for registries (the model's own default is 0: no public funder).
FUNDER_BUDGET_USD = {
    "umbrella": float(ModelParameters.model_fields["umbrella_budget_usd_per_year"].default),
    "public": 2e6,
}
#: A funder's choice of no bail-out.
NO_BAIL_OUT = "no_bail_out"

OTHER_ROLES = ("corporations", "umbrella", "public", "developers")
OTHER_LABELS = {
    "corporations": "Corporations consortium",
    "umbrella": "Umbrella security funder",
    "public": "Public funder",
    "developers": "Developer community",
}
REGISTRY_GOAL = (
    "Your registry stays healthy (a healthy runway, out of receivership) and removes malware fast: "
    "better than the status quo."
)
OTHER_GOALS = {
    "corporations": "Keep your members' total cost (support paid plus malware harm) below the status quo's.",
    "umbrella": "With your fixed budget, keep the grantees open and removing malware fast: better than the status quo.",
    "public": "With your fixed budget, keep the grantees open and removing malware fast: better than the status quo.",
    "developers": "Speak for the publishers: low fees, safe registries, no forced moves.",
}


class WorkshopError(ParameterError):
    """Bad workshop input or request; the message is one line naming the field or the problem."""


class AuthorizationError(WorkshopError):
    """A request without the right key or token for what it asks."""


def parameter_field(parameter: str, description: str, **game_range: float) -> Any:
    """A decision field that sets a model parameter: default from the parameter, a game range inside its own.

    Refused at import if the parameter cannot change in a running model (the workshop changes
    one at every year boundary) or if the game range leaves the parameter's allowed range.
    """
    if parameter not in LIVE_PARAMETERS:
        raise ValueError(f"decision field for {parameter!r}: that parameter cannot change in a running model")
    spec = ModelParameters.model_fields[parameter]
    low, high = numeric_bounds(spec)
    for bound, value in game_range.items():
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"decision field for {parameter!r}: {bound}={value} outside {allowed_range(spec)}")
    return Field(spec.default, description=description, json_schema_extra={"parameter": parameter}, **game_range)


class Decision(BaseModel):
    """Base of every role's decision form: unknown fields are refused, and types are strict (no "yes" for a bool)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RegistryDecision(Decision):
    """A registry board's yearly policy (each field sets its registry's entry of a per-registry parameter)."""

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
    emergency_appeal: bool = Field(
        False, description="Rescue: call an emergency appeal to your community this year (once a year at most)."
    )
    cost_cuts: bool = Field(
        False, description="Rescue: cut your other costs by a fifth now, before low runway forces it."
    )


class CorporationsDecision(Decision):
    """The consortium's recommendation to its member firms."""

    pledge_usd_per_developer: float = parameter_field(
        "pledge_usd_per_developer", "Yearly support per developer (USD).", ge=0, le=20_000
    )
    opex_budget_share: float = parameter_field(
        "opex_budget_share", "Share of supporting firms budgeting support as opex contracts.", ge=0, le=1
    )


class FunderDecision(Decision):
    """What every funder splits its fixed budget into; the shares may add up to 100% at most."""

    @model_validator(mode="after")
    def _within_budget(self) -> FunderDecision:
        """Refuse shares that add up to more than the whole budget."""
        total = sum(getattr(self, name) for name in type(self).model_fields if name.endswith("_share"))
        if total > 1 + 1e-9:
            raise ValueError(f"the shares of the budget add up to {100 * total:.0f}%; at most 100% can be given")
        return self


class UmbrellaDecisionBase(FunderDecision):
    """The umbrella security funder's yearly plan (a weight field per grant-eligible registry is added per catalogue)."""

    registry_share: float = parameter_field(
        "umbrella_registry_share", "Share of the budget granted to registries' security staff.", ge=0, le=1
    )
    hygiene_programme_share: float = Field(
        0.0, ge=0, le=1, description="Share of the budget paying token-hygiene programme staff at the grantees."
    )
    commitment_years: int = parameter_field(
        "umbrella_commitment_years", "Length of grant commitments (years).", ge=1, le=5
    )
    allocation: Literal["by_need", "weights"] = Field(
        "by_need", description="Split grants by need, or by the weights below."
    )


class PublicDecision(FunderDecision):
    """The public funder's yearly plan."""

    projects_share: float = Field(
        1.0, ge=0, le=1, description="Share of the budget for a security project grant to the neediest registry."
    )
    hygiene_programme_share: float = Field(
        0.0, ge=0, le=1, description="Share of the budget paying token-hygiene programme staff at the grantees."
    )
    grant_years: int = parameter_field("public_grant_years", "Length of each project grant (years).", ge=1, le=5)


class DevelopersDecision(Decision):
    """The developer community has no lever; it states its case to the room."""

    statement: str = Field(
        "", max_length=500, description="What the community asks of the other teams (500 characters at most)."
    )


def _possessive(label: str) -> str:
    """'PyPI's', 'RubyGems'' (a label ending in s takes only the apostrophe)."""
    return f"{label}'" if label.endswith("s") else f"{label}'s"


def bail_out_field(registries: tuple[str, ...]) -> tuple[Any, Any]:
    """A funder's bail-out choice: none, or one registry (its rescue need, paid first from this year's budget)."""
    choices = Literal[(NO_BAIL_OUT, *registries)]  # type: ignore[valid-type]
    return choices, Field(
        NO_BAIL_OUT, description="Bail-out this year: pay a registry's rescue need first, from your budget."
    )


def umbrella_decision_form(labels: tuple[tuple[str, str], ...], registries: tuple[str, ...]) -> type[Decision]:
    """The umbrella decision form with one weight per grant-eligible registry ((name, label) pairs) and a bail-out."""
    weights: dict[str, Any] = {
        f"weight_{name}": (
            float,
            Field(1.0, ge=0, le=10, description=f"Relative weight of {_possessive(label)} grant."),
        )
        for name, label in labels
    }
    return create_model(
        "UmbrellaDecision", __base__=UmbrellaDecisionBase, **weights, bail_out=bail_out_field(registries)
    )


def public_decision_form(registries: tuple[str, ...]) -> type[Decision]:
    """The public funder's form with a bail-out choice among the catalogue's registries."""
    return create_model("PublicDecision", __base__=PublicDecision, bail_out=bail_out_field(registries))


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


class RoleBook:
    """The workshop's roles for one registry catalogue: labels, goals, decision forms and their effect."""

    def __init__(self, catalogue: RegistryCatalogue) -> None:
        """Build the roles of a catalogue: a board per registry, then the four other teams."""
        self.catalogue = catalogue
        self.registry_roles: tuple[str, ...] = catalogue.names
        self.roles: tuple[str, ...] = (*self.registry_roles, *OTHER_ROLES)
        self.labels: dict[str, str] = {entry.name: entry.board_label for entry in catalogue} | OTHER_LABELS
        self.goals: dict[str, str] = dict.fromkeys(self.registry_roles, REGISTRY_GOAL) | OTHER_GOALS
        self.grant_eligible: tuple[str, ...] = catalogue.grant_eligible

    @cached_property
    def forms(self) -> dict[str, type[Decision]]:
        """Each role's decision form."""
        eligible = tuple((name, self.catalogue[name].label) for name in self.grant_eligible)
        return {
            **dict.fromkeys(self.registry_roles, RegistryDecision),
            "corporations": CorporationsDecision,
            "umbrella": umbrella_decision_form(eligible, self.registry_roles),
            "public": public_decision_form(self.registry_roles),
            "developers": DevelopersDecision,
        }

    def grantees_text(self) -> str:
        """The grant-eligible registries' labels in words ('PyPI, crates.io and RubyGems')."""
        labels = [self.catalogue[name].label for name in self.grant_eligible]
        return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"

    def check_role(self, role: Any) -> str:
        """Return the role if it is known, else raise a one-line error listing the roles."""
        if role not in self.roles:
            raise WorkshopError(f"unknown role {role!r}; allowed: {', '.join(self.roles)}")
        return role

    def validate_decision(self, role: str, values: dict[str, Any]) -> dict[str, Any]:
        """Validate a role's decision; return it as a complete plain dict (defaults filled in)."""
        form = self.forms[self.check_role(role)]
        if not isinstance(values, dict):
            raise WorkshopError(f"decision for {role!r} must be a table of fields (got {type(values).__name__})")
        try:
            return form(**values).model_dump()
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "decision"
            if not error["loc"]:  # a rule across fields (the budget's shares)
                raise WorkshopError(f"decision for {role!r}: {error['msg'].removeprefix('Value error, ')}") from None
            if error["type"] == "extra_forbidden":
                raise WorkshopError(
                    f"unknown field {field!r} for role {role!r}; allowed: {', '.join(form.model_fields)}"
                ) from None
            spec = form.model_fields.get(field)
            bounds = _bounds(spec) if spec is not None else ""
            raise WorkshopError(
                f"field {field!r} of {role!r}: {error['msg']}{bounds} (got {error.get('input')!r})"
            ) from None

    def default_decision(self, role: str) -> dict[str, Any]:
        """The model's default behaviour for a role, as a decision."""
        return self.forms[self.check_role(role)]().model_dump()

    def effective_decisions(
        self, history: dict[int, dict[str, dict[str, Any]]], round_number: int
    ) -> dict[str, dict[str, Any]]:
        """Each role's decision in force for a round: its latest submission up to that round, else the default."""
        current = {role: self.default_decision(role) for role in self.roles}
        for past in sorted(r for r in history if r <= round_number):
            current.update(history[past])
        return current

    def apply_decisions(
        self, model: RegistryModel, programmes: HygieneProgrammes, decisions: dict[str, dict[str, Any]]
    ) -> list[str]:
        """Write one round's decisions (every role, defaults filled) into the model at a year boundary.

        Returns the rescues they made, in words (boards' appeals and cost cuts, funders' bail-outs).
        """
        per_package, subscription, extra_security, paid = {}, {}, {}, []
        rescues = []
        funded = self._fund_programmes(model, decisions)
        for name in self.registry_roles:
            board = decisions[name]
            per_package[name] = board["per_package_fee_usd"]
            subscription[name] = board["publisher_subscription_usd_per_year"]
            extra_security[name] = board["extra_security_fte"]
            if board["paid_tier"]:
                paid.append(name)
            programmes.apply(model, name, board["token_hygiene_programme_fte"] + funded.get(name, 0.0))
            rescues += [f"{self.labels[name]} {done}" for done in board_responses(model, name, board)]
        changes: dict[str, Any] = {
            "per_package_fee_usd_by_registry": per_package,
            "publisher_subscription_usd_by_registry": subscription,
            "extra_security_fte_by_registry": extra_security,
            "fee_registries": tuple(paid),
            "enterprise_tier_usd_per_year": PAID_TIER_USD_PER_YEAR if paid else 0.0,
        }
        for role in ("corporations", "umbrella", "public"):
            changes |= _parameter_values(self.forms[role], decisions[role])
        left = {}
        for role in ("umbrella", "public"):  # a bail-out is paid first; the shares split what is left
            left[role] = FUNDER_BUDGET_USD[role]
            target = decisions[role]["bail_out"]
            if target != NO_BAIL_OUT:
                paid_usd = bail_out(model, target, FUNDER_PAYER[role], left[role])
                left[role] -= paid_usd
                if paid_usd > 0:
                    rescues.append(
                        f"{self.labels[role]} bailed out {self.catalogue[target].label} (USD {paid_usd:,.0f})"
                    )
        changes["umbrella_budget_usd_per_year"] = left["umbrella"]
        changes["public_funder_budget_usd_per_year"] = left["public"] * decisions["public"]["projects_share"]
        umbrella = decisions["umbrella"]
        changes["umbrella_allocation_weights_by_registry"] = (
            {name: umbrella[f"weight_{name}"] for name in self.grant_eligible}
            if umbrella["allocation"] == "weights"
            else {}
        )
        model.set_parameters(**changes)
        return rescues

    def _fund_programmes(self, model: RegistryModel, decisions: dict[str, dict[str, Any]]) -> dict[str, float]:
        """Pay the funders' token-hygiene programmes for the year; return the programme FTE each registry gets.

        A funder's programme money is split over the open grant-eligible registries (the umbrella
        funder's by its weights when it allocates by weights), paid to each at the year's start and
        spent on that many programme staff.
        """
        fte_cost = model.p.fte_cost_usd_per_year
        open_names = [r.name for r in model.open_registries if r.name in self.grant_eligible]
        funded: dict[str, float] = {}
        for role in ("umbrella", "public"):
            decision = decisions[role]
            money = FUNDER_BUDGET_USD[role] * decision["hygiene_programme_share"]
            if money <= 0 or not open_names:
                continue
            weights = dict.fromkeys(open_names, 1.0)
            if role == "umbrella" and decision["allocation"] == "weights":
                weights = {name: decision[f"weight_{name}"] for name in open_names}
            total = sum(weights.values())
            for name, weight in weights.items():
                if weight <= 0 or total <= 0:
                    continue
                usd = money * weight / total
                model.registries_by_name[name].receive("grant", usd, payer=FUNDER_PAYER[role])
                funded[name] = funded.get(name, 0.0) + usd / fte_cost
        return funded


#: How the model names each funder team as a payer (the round summary adds up payments by these names).
FUNDER_PAYER = {"umbrella": "umbrella funder", "public": "public funder"}


def _parameter_values(form: type[Decision], decision: dict[str, Any]) -> dict[str, Any]:
    """The model parameters a decision sets: parameter name -> value, for fields declared with `parameter_field`."""
    values = {}
    for name, spec in form.model_fields.items():
        parameter = (spec.json_schema_extra or {}).get("parameter")  # type: ignore[union-attr]
        if parameter is not None:
            values[parameter] = decision[name]
    return values


@lru_cache(maxsize=8)
def roles_for(catalogue: RegistryCatalogue) -> RoleBook:
    """The role book of a catalogue (one per catalogue, shared)."""
    return RoleBook(catalogue)


#: The roles of the shipped catalogue.
ROLE_BOOK = roles_for(REGISTRIES)


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
        members = model.developers.home == model.registry_names.index(name)
        hygiene = model.developers.token_hygiene
        hygiene[members] = np.minimum(hygiene[members] + gain * (1 - hygiene[members]), 0.999)
