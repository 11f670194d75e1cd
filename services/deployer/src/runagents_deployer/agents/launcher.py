"""Starting built deployments, following their build, and noticing when an agent dies."""

import asyncio
import logging
import time
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.errors import Unavailable
from runagents_deployer.agents import repository
from runagents_deployer.agents.gateway_keys import INVOKE_KEY_ENV, agent_gateway_key, agent_invoke_key
from runagents_deployer.agents.status import set_status
from runagents_deployer.backends.base import AgentBackend, LaunchError, LaunchSpec, RunningAgent
from runagents_deployer.settings import DeployerSettings
from runagents_deployer.wiring.environment import runtime_environment
from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool, Registry

log = logging.getLogger("runagents.deployer")
READY_POLL_SECONDS = 0.1


@dataclass
class AgentFailures:
    """Marks a deployment failed and its agent Failed: when starting it fails, or when it dies later.
    Needs no backend, so it exists before the backend that reports exits to it."""

    database: Database
    outbox: Outbox

    async def fail(self, agent_name: str, deployment_id: str, reason: str) -> None:
        async with self.database.session() as session:
            agent = await repository.get(session, agent_name)
            deployment = await repository.get_deployment(session, deployment_id)
            if deployment is not None:
                deployment.status, deployment.error = "failed", reason
            if agent is not None and agent.deployment_id == deployment_id:
                agent.endpoint = None
                set_status(session, self.outbox, agent, "Failed", reason, phase="failed", progress=100)

    async def on_exit(self, agent: str, deployment_id: str, reason: str) -> None:
        """The backend saw the agent's process end without being asked to."""
        log.warning("agent %s exited: %s", agent, reason, extra={"agent": agent})
        await self.fail(agent, deployment_id, reason)


@dataclass
class Launcher:
    database: Database
    outbox: Outbox
    registry: Registry
    backend: AgentBackend
    settings: DeployerSettings
    http: httpx.AsyncClient
    failures: AgentFailures
    key_secret: SecretStr

    async def start(self, deployment_id: str) -> None:
        """Start a built deployment and wait for its runtime to be ready (the job of the start queue)."""
        async with self.database.session() as session:
            deployment = await repository.get_deployment(session, deployment_id)
            agent = await repository.get(session, deployment.agent) if deployment else None
            if deployment is None or agent is None or agent.deployment_id != deployment_id:
                return  # deleted or superseded meanwhile
            if self.backend.is_running(agent.name, deployment_id):
                return
            deployment.status = "starting"
            set_status(session, self.outbox, agent, "Pending", "starting the agent", phase="starting", progress=80)
            artifact = (deployment.artifact_kind or "", deployment.artifact_ref or "", deployment.source_dir)
            wiring = (agent.system_prompt, agent.tier, agent.entry_point, dict(agent.tools), dict(agent.models))
            name = agent.name
        try:
            system_prompt, tier, entry_point, tools, models = wiring
            registered_tools, providers = await self._registered_resources()
            environment = runtime_environment(
                agent=name, system_prompt=system_prompt, tier=tier, entry_point=entry_point, tools=tools,
                registered_tools=registered_tools, models=models, providers=providers,
                gateway_url=self.settings.service_url("gateway"),
                egress_url=f"{self.settings.service_url('policy')}/egress",
                max_tool_iterations=self.settings.agent_max_tool_iterations,
                agent_key=agent_gateway_key(self.key_secret, name, deployment_id),
            )
            environment[INVOKE_KEY_ENV] = agent_invoke_key(self.key_secret, name, deployment_id)
            running = await self.backend.start(LaunchSpec(name, deployment_id, *artifact, environment=environment))
            await self._wait_ready(name, deployment_id, running.endpoint)
        except (LaunchError, TimeoutError) as exc:
            await self.failures.fail(name, deployment_id, str(exc) or "the agent did not become ready")
            return
        except _Exited:
            return  # the exit callback already marked it Failed
        except Exception as exc:
            log.exception("starting %s failed", name)
            await self.failures.fail(name, deployment_id, f"starting the agent failed: {type(exc).__name__}: {exc}")
            return
        async with self.database.session() as session:
            deployment = await repository.get_deployment(session, deployment_id)
            agent = await repository.get(session, name)
            if agent is None or deployment is None or agent.deployment_id != deployment_id:
                await self.backend.stop(name)
                return
            deployment.status = "running"
            agent.endpoint = running.endpoint
            set_status(session, self.outbox, agent, "Running", running_message(running), phase="running",
                       progress=100)

    async def _registered_resources(self) -> tuple[dict[str, RegisteredTool], dict[str, RegisteredProvider]]:
        """Tools and providers, waiting for policy and gateway when they are still starting (after a
        platform restart every service starts at once, this one included)."""
        deadline = time.monotonic() + self.settings.agent_start_timeout_seconds
        delay = 0.1
        while True:
            try:
                return await self.registry.tools(), await self.registry.providers()
            except Unavailable:
                if time.monotonic() + delay > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _wait_ready(self, agent: str, deployment_id: str, endpoint: str) -> None:
        deadline = time.monotonic() + self.settings.agent_start_timeout_seconds
        while time.monotonic() < deadline:
            if not self.backend.is_running(agent, deployment_id):
                raise _Exited()
            try:
                response = await self.http.get(f"{endpoint}/readyz", timeout=2)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(READY_POLL_SECONDS)
        tail = await self.backend.logs_tail(agent, 5)
        await self.backend.stop(agent)
        raise TimeoutError(
            f"the agent did not answer /readyz within {self.settings.agent_start_timeout_seconds:.0f} s"
            + (f": {tail}" if tail else "")
        )


def running_message(running: RunningAgent) -> str:
    """A Running agent's status message: empty, unless it runs without isolation (and then why)."""
    return f"running without isolation: {running.without_isolation}" if running.without_isolation else ""


class _Exited(Exception):
    pass
