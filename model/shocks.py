"""The shock catalogue: every shock the explorer fires, the workshop plays as an event card, or a preset schedules.

One entry per shock holds its name, its label (the explorer's button), what it does (the
workshop's card text), a severity note for facilitators, the options a card may set (each
validated, with a default and a reproducible random draw), the parameters that schedule it in a
preset or scenario file, and how it acts on a running model: `fire` acts now (the explorer's
button, through the model's shock methods) and `at_year_start` acts at the start of one of the
run's years (the workshop's card, through `RegistryModel.set_parameters` and the shock methods).
An unknown shock or option is a one-line `ParameterError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from model.catalogue import REGISTRIES
from model.errors import ParameterError
from model.model import WEEKS_PER_YEAR
from model.profiles import RegistryCatalogue

if TYPE_CHECKING:
    from model.model import RegistryModel


@dataclass(frozen=True)
class ShockOption:
    """One option of a shock: a registry name or a whole number in a range, with a default and a random draw."""

    name: str
    description: str
    default: Callable[[RegistryCatalogue], Any]
    draw: Callable[[np.random.Generator, RegistryCatalogue], Any]
    low: int | None = None  # whole-number options: the allowed range, inclusive
    high: int | None = None

    def check(self, shock: str, value: Any, catalogue: RegistryCatalogue) -> Any:
        """The value if allowed, else a one-line ParameterError naming the shock, the option and what is allowed."""
        if self.low is None:  # a registry of the catalogue
            if value not in catalogue.names:
                raise ParameterError(
                    f"{shock} {self.name!r} must be one of {', '.join(catalogue.names)} (got {value!r:.80})"
                )
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise ParameterError(
                f"{shock} {self.name!r} must be a whole number from {self.low} to {self.high} (got {value!r:.80})"
            )
        return value


@dataclass(frozen=True)
class Shock:
    """One shock: what it is, what it does, how bad it is, its options and how it acts on a running model."""

    name: str
    label: str  # the explorer's button
    description: str  # what it does (the workshop's card text)
    severity: str  # a note for facilitators: how hard it hits, whom, and how fast
    fire: Callable[[RegistryModel], None] | None = None  # act now; None: no explorer button
    # act from the start of a year of the run (model, year index from 0, options); None: no workshop card
    at_year_start: Callable[[RegistryModel, int, dict[str, Any]], None] | None = None
    options: tuple[ShockOption, ...] = ()
    scheduled_by: tuple[str, ...] = ()  # parameters that schedule it in a preset or scenario file


def _worm_at_year_start(model: RegistryModel, year_index: int, options: dict[str, Any]) -> None:
    """A worm outbreak at the chosen registry in the chosen week of the year."""
    model.set_parameters(
        worm_outbreak_registry=options["registry"],
        worm_outbreak_week=year_index * WEEKS_PER_YEAR + options["week_of_year"],
    )


def _missed_round_at_year_start(model: RegistryModel, year_index: int, options: dict[str, Any]) -> None:
    """The umbrella funder misses its first round of the year."""
    model.set_parameters(umbrella_missed_round_year=model.p.start_year + year_index)


def _cdn_leaves_at_year_start(model: RegistryModel, year_index: int, options: dict[str, Any]) -> None:
    """Every CDN donor leaves now, for good."""
    model.set_parameters(cdn_donor_leaves_year=model.p.start_year + year_index)
    model.shock_cdn_donor_leaves()


def _spam_at_year_start(model: RegistryModel, year_index: int, options: dict[str, Any]) -> None:
    """Spam bursts start in the coming week, one after another."""
    for _ in range(options["bursts"]):
        model.shock_spam_burst()


def _regulation_at_year_start(model: RegistryModel, year_index: int, options: dict[str, Any]) -> None:
    """A regulation mandates corporate support from now on."""
    model.set_parameters(regulation_mandates_support=True)
    model.log_event("regulation", "", "a regulation now mandates corporate support (event card)")


def _worm_registry_draw(rng: np.random.Generator, catalogue: RegistryCatalogue) -> str:
    """A registry drawn by the catalogue's worm-card weights."""
    weights = np.array([entry.worm_card_weight for entry in catalogue])
    return str(rng.choice(catalogue.names, p=weights / weights.sum()))


WORM = Shock(
    name="worm",
    label="Worm starts now",
    description="A worm: stolen publish tokens republish trojanised versions across maintainers.",
    severity="Severe where removal is slow: at the baseline removal delay a Shai-Hulud-like worm compromises "
    "hundreds of packages; removal within a few hours or high token hygiene keeps it small.",
    fire=lambda model: model.shock_worm(),
    at_year_start=_worm_at_year_start,
    options=(
        ShockOption(
            "registry",
            "the registry where it starts (default: the one most malware targets)",
            default=lambda catalogue: catalogue.malware_target,
            draw=_worm_registry_draw,
        ),
        ShockOption(
            "week_of_year",
            "the week of the year it starts, 1 to 52 (default 20)",
            default=lambda catalogue: 20,
            draw=lambda rng, catalogue: int(rng.integers(4, 49)),
            low=1,
            high=WEEKS_PER_YEAR,
        ),
    ),
    scheduled_by=("worm_outbreak_week", "worm_outbreak_registry"),
)
MISSED_ROUND = Shock(
    name="missed_round",
    label="Umbrella funder misses its round",
    description="The umbrella funder misses its grant round: every grantee loses its grant at once.",
    severity="Correlated: every grantee loses its grant at once, its security staff leave about a month later and "
    "removal delays rise together; grants under a multi-year commitment go on.",
    fire=lambda model: model.shock_missed_round(),
    at_year_start=_missed_round_at_year_start,
    scheduled_by=("umbrella_missed_round_year",),
)
CDN_LEAVES = Shock(
    name="cdn_leaves",
    label="CDN donor leaves",
    description="The CDN donors leave: edge bandwidth becomes a cash cost at every registry they served.",
    severity="Costly and permanent: bandwidth the donors carried becomes a cash cost at once and no replacement "
    "comes; registries with short runways can turn strained within the year.",
    fire=lambda model: model.shock_cdn_donor_leaves(),
    at_year_start=_cdn_leaves_at_year_start,
    scheduled_by=("cdn_donor_leaves_year",),
)
SPAM_FLOOD = Shock(
    name="spam_flood",
    label="Spam burst",
    description="An AI spam flood: bursts of junk and token-farming packages swamp npm's reviewers.",
    severity="Moderate and passing: each burst fills the spam registry's review queue for some weeks "
    "(`spam_burst_weeks`), so removal there slows, then recovers.",
    fire=lambda model: model.shock_spam_burst(),
    at_year_start=_spam_at_year_start,
    options=(
        ShockOption(
            "bursts",
            "how many bursts, 1 to 5 (default 2)",
            default=lambda catalogue: 2,
            draw=lambda rng, catalogue: int(rng.integers(1, 4)),
            low=1,
            high=5,
        ),
    ),
)
REGULATION = Shock(
    name="regulation",
    label="Regulation mandates support",
    description="Regulation: firms must now support the registries they depend on.",
    severity="A helping card, and a slow one: firms change their support at their own budget week, so it spreads "
    "over a year. In the explorer it is the lever 'Regulation mandates support'.",
    at_year_start=_regulation_at_year_start,
    scheduled_by=("regulation_mandates_support",),
)
AGENT_DEMAND = Shock(
    name="agent_demand",
    label="AI/CI agent demand",
    description="AI and CI agents: downloads grow faster than usual for the first years of the run.",
    severity="Slow and compounding: while it lasts (+20 points of growth a year for two years is the suggested "
    "size) bandwidth and compute costs grow faster than revenue. It acts from the start of a run: set it in a "
    "scenario, or with the explorer's lever 'AI/CI agent demand'.",
    scheduled_by=("agent_demand_extra_growth", "agent_demand_years"),
)

#: Every shock, by name, in the order buttons and cards are shown (and random cards drawn).
SHOCKS: dict[str, Shock] = {
    shock.name: shock for shock in (WORM, MISSED_ROUND, CDN_LEAVES, SPAM_FLOOD, REGULATION, AGENT_DEMAND)
}


def get_shock(name: Any) -> Shock:
    """The catalogue entry of a shock, or a one-line ParameterError naming the shocks allowed."""
    if not isinstance(name, str) or name not in SHOCKS:
        raise ParameterError(f"unknown shock {name!r:.80}; allowed: {', '.join(SHOCKS)}")
    return SHOCKS[name]


def fireable() -> tuple[Shock, ...]:
    """The shocks that can be fired now on a running model (the explorer's buttons)."""
    return tuple(shock for shock in SHOCKS.values() if shock.fire is not None)


def playable() -> tuple[Shock, ...]:
    """The shocks that can act from the start of a year of a running model (the workshop's cards)."""
    return tuple(shock for shock in SHOCKS.values() if shock.at_year_start is not None)


def check_options(
    name: Any, options: dict[str, Any] | None, catalogue: RegistryCatalogue | None = None
) -> dict[str, Any]:
    """A shock's complete options (defaults filled in), or a one-line ParameterError."""
    shock = get_shock(name)
    catalogue = catalogue or REGISTRIES
    given = dict(options or {})
    checked = {
        option.name: option.check(shock.name, given.pop(option.name, option.default(catalogue)), catalogue)
        for option in shock.options
    }
    if given:
        raise ParameterError(f"unknown option {next(iter(given))!r:.80} for shock {shock.name!r}")
    return checked


def draw_options(name: str, rng: np.random.Generator, catalogue: RegistryCatalogue | None = None) -> dict[str, Any]:
    """Random options for a shock, drawn in the order they are declared."""
    catalogue = catalogue or REGISTRIES
    return {option.name: option.draw(rng, catalogue) for option in get_shock(name).options}


def fire(model: RegistryModel, name: str) -> None:
    """Fire a shock on the running model now."""
    shock = get_shock(name)
    if shock.fire is None:
        allowed = ", ".join(s.name for s in fireable())
        raise ParameterError(f"shock {name!r} cannot be fired now; fire one of {allowed}")
    shock.fire(model)


def act_at_year_start(model: RegistryModel, name: str, year_index: int, options: dict[str, Any]) -> None:
    """Let a shock act from the start of year `year_index` (0 = the run's first year), with validated options."""
    shock = get_shock(name)
    if shock.at_year_start is None:
        allowed = ", ".join(s.name for s in playable())
        raise ParameterError(f"shock {name!r} acts only from the start of a run; play one of {allowed}")
    shock.at_year_start(model, year_index, check_options(name, options, model.catalogue))
