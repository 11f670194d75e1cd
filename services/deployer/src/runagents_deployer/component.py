"""The deployer service: agents, their wiring, their deployments, and the front door to them."""

from pathlib import Path

import httpx

from runagents_common.db import Database
from runagents_common.db.inbox import combined_handlers
from runagents_common.db.outbox import Outbox
from runagents_common.http import service_client
from runagents_common.jobs import JobRunner
from runagents_common.service import ServiceComponent
from runagents_deployer.agents import repository
from runagents_deployer.agents.consumers import handlers
from runagents_deployer.agents.endpoints import router as agents_router
from runagents_deployer.agents.launcher import AgentFailures, Launcher, running_message
from runagents_deployer.agents.status import set_status
from runagents_deployer.backends.base import AgentBackend
from runagents_deployer.backends.local_process import LocalProcessBackend
from runagents_deployer.context import DeployerContext
from runagents_deployer.db import Base, OutboxMessage, ProcessedEvent
from runagents_deployer.identity_providers.consumers import HANDLERS as IDENTITY_PROVIDER_HANDLERS
from runagents_deployer.identity_providers.tokens import token_verifier
from runagents_deployer.invoke.endpoints import router as invoke_router
from runagents_deployer.invoke.usage import GatewayUsage
from runagents_deployer.settings import DeployerSettings
from runagents_deployer.wiring.environment import runtime_gateway_url
from runagents_deployer.wiring.registry import Registry

from runagents_deployer.agents import models as _models  # noqa: F401  isort: skip
from runagents_deployer.identity_providers import models as _identity_providers  # noqa: F401  isort: skip

SERVICE = "deployer"


def create_component(settings: DeployerSettings | None = None) -> ServiceComponent:
    settings = settings or DeployerSettings()
    database = Database.for_service(settings, SERVICE)
    outbox = Outbox(OutboxMessage, source=f"/runagents/{SERVICE}")
    key_secret = settings.agent_key_secret()
    key = settings.service_key(SERVICE)
    registry = Registry(
        analyzer=service_client(settings.service_url("analyzer"), key=key),
        policy=service_client(settings.service_url("policy"), key=key),
        gateway=service_client(settings.service_url("gateway"), key=key),
    )
    agents_http = httpx.AsyncClient(timeout=settings.agent_invoke_timeout_seconds)
    failures = AgentFailures(database, outbox)
    data_dir = Path(settings.data_dir).resolve()
    backend: AgentBackend = LocalProcessBackend(
        data_dir / "agents", failures.on_exit, isolation=settings.agent_isolation,
        agent_uid=settings.agent_uid, agent_gid=settings.agent_gid,
        guarded=(data_dir,),
    )
    launcher = Launcher(database, outbox, registry, backend, settings, agents_http, failures, key_secret)
    starts = JobRunner("agent-start", launcher.start, concurrency=4)
    usage = GatewayUsage(service_client(settings.service_url("runs"), key=key))
    context = DeployerContext(settings, registry, backend, launcher, starts, agents_http, token_verifier(settings),
                              key_secret, usage)

    async def restart_agents() -> None:
        # Agents outlive a deployer that crashed: adopt those still serving their deployment; start again
        # the others, and say so before the first request is served (a stale "Running" would send invokes
        # to a dead port).
        to_start: list[str] = []
        gateway_url = runtime_gateway_url(settings.service_url("gateway"))
        async with database.session() as session:
            for deployment_id in await repository.deployments_to_start(session):
                deployment = await repository.get_deployment(session, deployment_id)
                agent = await repository.get(session, deployment.agent) if deployment else None
                if agent is None or deployment is None:
                    continue
                running = await backend.adopt(agent.name, deployment_id, gateway_url)
                if running is not None and agent.next_deployment_id == deployment_id:
                    # A redeploy that was ready when the deployer stopped: it is started again, to switch to.
                    await backend.stop(agent.name, deployment_id)
                    running = None
                if running is not None:
                    deployment.status = "running"
                    agent.endpoint = running.endpoint
                    set_status(session, outbox, agent, "Running", running_message(running), phase="running",
                               progress=100)
                    continue
                if agent.next_deployment_id != deployment_id:
                    agent.endpoint = None
                    set_status(session, outbox, agent, "Pending", "restarting after a platform restart",
                               phase="starting", progress=80)
                to_start.append(deployment_id)
        for deployment_id in to_start:
            starts.submit(deployment_id)

    async def stop() -> None:
        await starts.stop()
        await backend.close()
        for client in (registry.analyzer, registry.policy, registry.gateway, agents_http, usage.runs):
            await client.aclose()
        await context.tokens.aclose()

    return ServiceComponent(
        name=SERVICE,
        routers=[agents_router, invoke_router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=outbox,
        processed_events=ProcessedEvent,
        handlers=combined_handlers(handlers(outbox, starts.submit), IDENTITY_PROVIDER_HANDLERS),
        on_startup=[restart_agents],
        on_shutdown=[stop],
        context=context,
    )
