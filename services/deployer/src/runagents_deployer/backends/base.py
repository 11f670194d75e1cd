"""Where agents run. The local-process backend now; a Kubernetes backend implements the same."""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LaunchSpec:
    """Everything a backend needs to start one deployment of an agent."""

    agent: str
    deployment_id: str
    artifact_kind: str
    artifact_ref: str
    source_dir: str | None
    environment: dict[str, str]


@dataclass(frozen=True)
class RunningAgent:
    agent: str
    deployment_id: str
    endpoint: str
    """Base URL of the agent's runtime."""
    without_isolation: str = ""
    """Why the agent runs without isolation from the platform and other agents; empty when it is isolated."""


ExitCallback = Callable[[str, str, str], Awaitable[None]]
"""Called with (agent, deployment_id, reason) when an agent's process ends without being stopped."""


class LaunchError(Exception):
    """The backend could not start the agent; the message says why."""


class AgentBackend(ABC):
    @abstractmethod
    async def start(self, spec: LaunchSpec) -> RunningAgent:
        """Start that deployment of the agent and return where it listens. Other deployments of the agent keep
        running (a redeploy starts beside the one serving; the caller stops the one it replaces)."""

    async def adopt(self, agent: str, deployment_id: str, gateway_url: str | None = None) -> RunningAgent | None:
        """After a restart of the deployer: take over that deployment if it still runs as it was started (and
        reaches the gateway at ``gateway_url``), else None (it is started again)."""
        return None

    @abstractmethod
    async def stop(self, agent: str, deployment_id: str | None = None) -> None:
        """Stop that deployment of the agent if it runs (every deployment of it when None)."""

    @abstractmethod
    def is_running(self, agent: str, deployment_id: str) -> bool:
        """Whether that deployment of the agent is alive."""

    @abstractmethod
    async def logs_tail(self, agent: str, lines: int = 20, deployment_id: str | None = None) -> str:
        """The last lines the agent (that deployment of it; the newest started when None) wrote, to explain a
        failure."""

    def log_file(self, agent: str, deployment_id: str) -> Path | None:
        """The file holding that deployment's stdout and stderr, when this backend keeps one here."""
        return None

    @abstractmethod
    async def close(self) -> None:
        """Stop every agent this backend started."""
