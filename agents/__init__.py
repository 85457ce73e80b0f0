"""Mesa agents of the registry economy: registries, corporations and funders."""

from agents.corporation import CorporationAgent, SupportMode
from agents.funder import PublicFunder, UmbrellaFunder
from agents.registry import RegistryAgent, Status

__all__ = ["CorporationAgent", "PublicFunder", "RegistryAgent", "Status", "SupportMode", "UmbrellaFunder"]
