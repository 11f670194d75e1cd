from dataclasses import dataclass

import httpx
from fastapi import Request
from pydantic import SecretStr

from runagents_common.jobs import JobRunner
from runagents_common.service import component
from runagents_deployer.agents.launcher import Launcher
from runagents_deployer.backends.base import AgentBackend
from runagents_deployer.identity_providers.tokens import TokenVerifier
from runagents_deployer.invoke.usage import GatewayUsage
from runagents_deployer.settings import DeployerSettings
from runagents_deployer.wiring.registry import Registry


@dataclass
class DeployerContext:
    settings: DeployerSettings
    registry: Registry
    backend: AgentBackend
    launcher: Launcher
    starts: JobRunner
    agents_http: httpx.AsyncClient
    """Client for calls to the agents' runtimes (the invoke front door)."""
    tokens: TokenVerifier
    """Verifies callers' tokens at the front door of agents with authenticated access."""
    key_secret: SecretStr
    """What each deployment's LLM gateway key is derived from."""
    usage: GatewayUsage
    """A run's token usage as the gateway counted it (through the runs service)."""


def deployer_context(request: Request) -> DeployerContext:
    context: DeployerContext = component(request, "deployer").context
    return context
