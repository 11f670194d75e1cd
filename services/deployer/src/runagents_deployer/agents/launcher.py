"""Starting built deployments, following their build, and noticing when an agent dies."""

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.errors import Unavailable
from runagents_deployer.agents import logs, repository
from runagents_deployer.agents.gateway_keys import INVOKE_KEY_ENV, agent_gateway_key, agent_invoke_key
from runagents_deployer.agents.masking import Masker
from runagents_deployer.agents.rollout import concerns, is_redeploy, redeploy_failed, switch
from runagents_deployer.agents.status import set_status
from runagents_deployer.backends.base import AgentBackend, LaunchError, LaunchSpec, RunningAgent
from runagents_deployer.settings import DeployerSettings
from runagents_deployer.wiring.environment import runtime_environment
from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool, Registry

log = logging.getLogger("runagents.deployer")
READY_POLL_SECONDS = 0.1
LOG_LINES_ON_FAILURE = 20
PROBE_LINE = re.compile(r'"(GET|HEAD) /(healthz|readyz)[ ?]|uvicorn\.error: (Started server process|Waiting for '
                        r'application startup|Application startup complete|Uvicorn running on)')
"""Lines of the log that explain nothing: the readiness probes' and the web server's start."""


@dataclass
class AgentFailures:
    """Marks a deployment failed and its agent Failed: when starting it fails, or when it dies later. A
    redeploy that fails leaves its agent serving the deployment it had. Needs no backend, so it exists
    before the backend that reports exits to it."""

    database: Database
    outbox: Outbox

    async def fail(self, agent_name: str, deployment_id: str, reason: str) -> None:
        async with self.database.session() as session:
            agent = await repository.get(session, agent_name)
            deployment = await repository.get_deployment(session, deployment_id)
            if deployment is not None:
                deployment.status, deployment.error = "failed", reason
            if agent is not None and is_redeploy(agent, deployment_id):
                redeploy_failed(session, self.outbox, agent, deployment_id, reason)
            elif agent is not None and agent.deployment_id == deployment_id:
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
        """Start a built deployment and wait for its runtime to be ready (the job of the start queue). A
        redeploy starts beside the deployment serving and replaces it once ready."""
        async with self.database.session() as session:
            deployment = await repository.get_deployment(session, deployment_id)
            agent = await repository.get(session, deployment.agent) if deployment else None
            if deployment is None or agent is None or not concerns(agent, deployment_id):
                return  # deleted or superseded meanwhile
            if self.backend.is_running(agent.name, deployment_id):
                return
            deployment.status = "starting"
            if not is_redeploy(agent, deployment_id):
                set_status(session, self.outbox, agent, "Pending", "starting the agent", phase="starting",
                           progress=80)
            artifact = (deployment.artifact_kind or "", deployment.artifact_ref or "", deployment.source_dir)
            entry = EntrySettings(deployment.entry_point or agent.entry_point, deployment.entry_adapter,
                                  deployment.entry_target, deployment.entry_module)
            wiring = (agent.system_prompt, agent.tier, dict(agent.tools), dict(agent.models))
            name = agent.name
        agent_key = agent_gateway_key(self.key_secret, name, deployment_id)
        invoke_key = agent_invoke_key(self.key_secret, name, deployment_id)
        masker = Masker.of([agent_key, invoke_key])
        try:
            system_prompt, tier, tools, models = wiring
            registered_tools, providers = await self._registered_resources()
            environment = runtime_environment(
                agent=name, system_prompt=system_prompt, tier=tier, entry_point=entry.file, tools=tools,
                registered_tools=registered_tools, models=models, providers=providers,
                gateway_url=self.settings.service_url("gateway"),
                egress_url=f"{self.settings.service_url('policy')}/egress",
                max_tool_iterations=self.settings.agent_max_tool_iterations,
                agent_key=agent_key, entry_adapter=entry.adapter, entry_target=entry.target,
                entry_module=entry.module,
            )
            environment[INVOKE_KEY_ENV] = invoke_key
            running = await self.backend.start(LaunchSpec(name, deployment_id, *artifact, environment=environment))
            await self._wait_ready(name, deployment_id, running.endpoint)
        except (LaunchError, TimeoutError, CodeNotLoaded) as exc:
            reason = masker.mask(str(exc) or "the agent did not become ready")
            await self.failures.fail(name, deployment_id, reason)
            return
        except _Exited:
            return  # the exit callback already marked it Failed
        except Exception as exc:
            log.exception("starting %s failed", name)
            await self.failures.fail(name, deployment_id, f"starting the agent failed: {type(exc).__name__}: {exc}")
            return
        replaced: str | None = None
        async with self.database.session() as session:
            deployment = await repository.get_deployment(session, deployment_id)
            agent = await repository.get(session, name)
            if agent is None or deployment is None or not concerns(agent, deployment_id):
                superseded = True
            else:
                superseded = False
                if is_redeploy(agent, deployment_id):
                    replaced = agent.deployment_id
                    switch(session, self.outbox, agent, deployment, running.endpoint, running_message(running),
                           await repository.get_deployment(session, replaced))
                else:
                    deployment.status = "running"
                    agent.endpoint = running.endpoint
                    set_status(session, self.outbox, agent, "Running", running_message(running), phase="running",
                               progress=100)
        if superseded:
            await self.backend.stop(name, deployment_id)
        elif replaced is not None:
            log.info("agent %s now serves deployment %s; stopping %s", name, deployment_id, replaced,
                     extra={"agent": name})
            await self.backend.stop(name, replaced)

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
        """Until the runtime is ready and, when it runs the agent's code, has loaded it. A runtime that says
        loading failed is not waited for: it is stopped at once and the loader's error is the reason."""
        deadline = time.monotonic() + self.settings.agent_start_timeout_seconds
        while time.monotonic() < deadline:
            if not self.backend.is_running(agent, deployment_id):
                raise _Exited()
            code = await self._user_code(endpoint)
            if code is not None and not code.get("loaded") and code.get("error"):
                tail = await self._log_tail(agent, deployment_id)
                await self.backend.stop(agent, deployment_id)
                raise CodeNotLoaded(f"the agent's code failed to load: {code['error']}"
                                    + (f"; its log ends: {tail}" if tail else ""))
            try:
                response = await self.http.get(f"{endpoint}/readyz", timeout=2)
                # An older runtime is ready without its code: its health says whether the code loaded.
                if response.status_code == 200 and (code is None or not code.get("entry_point")
                                                    or code.get("loaded")):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(READY_POLL_SECONDS)
        tail = await self._log_tail(agent, deployment_id)
        await self.backend.stop(agent, deployment_id)
        raise TimeoutError(
            f"the agent did not answer /readyz within {self.settings.agent_start_timeout_seconds:.0f} s"
            + (f": {tail}" if tail else "")
        )

    async def _log_tail(self, agent: str, deployment_id: str) -> str:
        """The last lines the agent wrote, without the probes' lines that flood them."""
        path = self.backend.log_file(agent, deployment_id)
        if path is None:
            return await self.backend.logs_tail(agent, LOG_LINES_ON_FAILURE, deployment_id)
        lines, _ = await asyncio.to_thread(logs.tail, path, 200, Masker(()))
        kept = [line.strip() for line in lines if line.strip() and not PROBE_LINE.search(line)]
        return " | ".join(kept[-LOG_LINES_ON_FAILURE:])[-2000:]

    async def _user_code(self, endpoint: str) -> dict[str, Any] | None:
        """The runtime's ``user_code`` health (entry_point, loaded, error), or None before it answers."""
        try:
            health = (await self.http.get(f"{endpoint}/healthz", timeout=2)).json()
        except (httpx.HTTPError, ValueError):
            return None
        code = health.get("user_code") if isinstance(health, dict) else None
        return code if isinstance(code, dict) else None


@dataclass(frozen=True)
class EntrySettings:
    """The entry a deployment's runtime is told (USER_ENTRY_*)."""

    file: str | None
    adapter: str | None
    target: str | None
    module: str | None


class CodeNotLoaded(Exception):
    """The runtime started but says the agent's code failed to load."""


def running_message(running: RunningAgent) -> str:
    """A Running agent's status message: empty, unless it runs without isolation (and then why)."""
    return f"running without isolation: {running.without_isolation}" if running.without_isolation else ""


class _Exited(Exception):
    pass
