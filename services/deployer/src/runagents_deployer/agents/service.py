"""Creating, redeploying, reading and deleting agents."""

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from pydantic import SecretStr
from runagents_contracts.install_plan import InstallPlan
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.audit import record_change
from runagents_common.auth import Principal
from runagents_common.db.outbox import Outbox
from runagents_common.errors import InvalidRequest, NotFound
from runagents_common.events.catalog import AgentBuildRequested, AgentDeleted, AgentDeployRequested
from runagents_deployer.agents import repository
from runagents_deployer.agents.entry import refuse_unless_it_takes_the_message, report_entry
from runagents_deployer.agents.gateway_keys import agent_gateway_key, key_sha256
from runagents_deployer.agents.models import ENDED_DEPLOYMENT_STATES, Agent, Deployment
from runagents_deployer.agents.schemas import AgentCreate
from runagents_deployer.agents.status import set_status
from runagents_deployer.identity_providers import repository as identity_providers
from runagents_deployer.wiring.registry import Registry
from runagents_deployer.wiring.validation import wiring_problems


async def create_agent(session: AsyncSession, outbox: Outbox, registry: Registry, request: AgentCreate,
                       key_secret: SecretStr, principal: Principal) -> Agent:
    """Deploy ``request.name``: a new agent, or a new deployment of an existing one (a redeploy). A redeploy
    of an agent that serves leaves it serving until the new deployment runs (``Agent.next_deployment_id``);
    one that does not serve (Pending, Failed) moves to the new deployment at once."""
    existing = await repository.get(session, request.name)
    if request.image:
        raise InvalidRequest(
            "this platform's backend runs agents built from analyzed source; deploy with analysis_id "
            "(pre-built images need the Kubernetes backend)"
        )
    assert request.analysis_id is not None
    report = await registry.report(request.analysis_id)
    tier = request.tier or (report.get("tier") or {}).get("value") or "platform"
    problems = wiring_problems(request, report, await registry.tools(), await registry.providers(), tier,
                               identity_providers=await identity_providers.names(session))
    if problems:
        raise InvalidRequest("the wiring is incomplete: " + "; ".join(problems), problems=problems)
    entry = report_entry(report)
    if tier == "custom" and entry is None:
        raise InvalidRequest("custom-code agents need an entry point, and the analysis found none")
    if tier == "custom" and entry is not None:
        refuse_unless_it_takes_the_message(entry)
    entry_point = entry.file if entry else None

    deployment_id = uuid4().hex
    models = {role: choice.model_dump(exclude_none=True) for role, choice in request.models.items()}
    llm_limits = request.llm_limits.model_dump(exclude_none=True)
    wiring = dict(
        analysis_id=request.analysis_id, tools=dict(request.tools), models=models,
        system_prompt=request.system_prompt or ((report.get("system_prompt") or {}).get("text") or ""),
        access=request.access.model_dump(), llm_limits=llm_limits, tier=tier, entry_point=entry_point,
    )
    deployment = Deployment(
        id=deployment_id, agent=request.name, status="building", analysis_id=request.analysis_id,
        image=request.image, entry_point=entry_point,
        entry_adapter=entry.adapter.value if entry and entry.adapter else None,
        entry_target=entry.target if entry else None, entry_module=entry.module if entry else None,
    )
    if existing is None:
        agent = Agent(name=request.name, status="Pending", message="", phase="queued", progress=0,
                      deployment_id=deployment_id, created_by=principal.label, **wiring)
        repository.add(session, agent, deployment)
    else:
        agent = existing
        await _supersede(session, agent)
        for key, value in wiring.items():
            setattr(agent, key, value)
        repository.add(session, deployment)
        if agent.status == "Running" and agent.endpoint:
            agent.next_deployment_id = deployment_id
            # Said without an agent.status.changed: that event, naming the serving deployment as Running,
            # would have the gateway revoke the new deployment's key.
            agent.message = (f"redeploying: deployment {deployment_id} replaces deployment {agent.deployment_id} "
                             "once it runs")
        else:
            agent.deployment_id, agent.endpoint = deployment_id, None
    agent.updated_by = principal.label
    await session.flush()
    packages = sorted({p["name"] for p in report.get("packages", []) if p.get("ecosystem") == "pypi"})
    # What the builder installs, as the analyzer planned it (the builder checks every line again).
    install_plan = InstallPlan.model_validate(report["install_plan"]) if report.get("install_plan") else None
    outbox.add(session, AgentDeployRequested(
        agent=agent.name, deployment_id=deployment_id, analysis_id=request.analysis_id,
        tools=sorted(set(request.tools.values())),
        models={role: {"provider": c.provider, "model": c.model} for role, c in request.models.items()},
        identity_provider=_trusted_provider(request),
        agent_key_sha256=key_sha256(agent_gateway_key(key_secret, agent.name, deployment_id)),
        model_aliases=model_aliases(report, request),
        model_fallbacks={role: c.fallback.model_dump() for role, c in request.models.items() if c.fallback},
        llm_limits=llm_limits,
    ), subject=agent.name)
    outbox.add(session, AgentBuildRequested(agent=agent.name, deployment_id=deployment_id,
                                            analysis_id=request.analysis_id, packages=packages,
                                            install_plan=install_plan), subject=agent.name)
    if agent.next_deployment_id is None:
        set_status(session, outbox, agent, "Pending", "waiting for the build", phase="queued", progress=5)
    record_change(session, outbox, principal, action="agent.deploy.requested" if existing is None else
                  "agent.redeploy.requested", resource_type="agent", resource=agent.name,
                  summary=_describe(deployment_id, request, tier))
    return agent


def _describe(deployment_id: str, request: AgentCreate, tier: str) -> str:
    """A deploy request in plain words, for its audit entry (a system prompt is left out: it may be long)."""
    tools = ", ".join(sorted(set(request.tools.values()))) or "none"
    models = ", ".join(f"{role}: {c.provider}/{c.model}" for role, c in sorted(request.models.items())) or "none"
    return (f"deployment {deployment_id} of analysis {request.analysis_id} (tier {tier}); tools: {tools}; "
            f"models: {models}; access: {request.access.mode}")


async def _supersede(session: AsyncSession, agent: Agent) -> None:
    """A redeploy replaces a deployment that has not started serving yet: the one under way (or the agent's
    own when it does not serve); the launcher stops what it may already have started."""
    replaced = agent.next_deployment_id if agent.next_deployment_id else (
        agent.deployment_id if not (agent.status == "Running" and agent.endpoint) else None)
    agent.next_deployment_id = None
    if replaced is None:
        return
    deployment = await repository.get_deployment(session, replaced)
    if deployment is not None and deployment.status not in ENDED_DEPLOYMENT_STATES:
        deployment.status = "superseded"


def model_aliases(report: dict[str, Any], request: AgentCreate) -> dict[str, str]:
    """The model names the agent's code asks for, as analysis found them -> the wired role serving each."""
    aliases: dict[str, str] = {}
    for usage in report.get("llm_usage", []):
        model, role = usage.get("model"), usage.get("role") or "chat"
        if isinstance(model, str) and model and role in request.models:
            aliases.setdefault(model, role)
    return aliases


def _trusted_provider(request: AgentCreate) -> str | None:
    return request.access.identity_provider if request.access.mode == "authenticated" else None


async def get_agent(session: AsyncSession, name: str) -> Agent:
    agent = await repository.get(session, name)
    if agent is None:
        raise NotFound(f"no agent named {name!r}")
    return agent


async def list_agents(session: AsyncSession) -> Sequence[Agent]:
    return await repository.list_agents(session)


async def delete_agent(session: AsyncSession, outbox: Outbox, name: str, principal: Principal) -> None:
    agent = await get_agent(session, name)
    await repository.delete(session, agent)
    outbox.add(session, AgentDeleted(agent=name), subject=name)
    record_change(session, outbox, principal, action="agent.deleted", resource_type="agent", resource=name,
                  summary=f"deployment {agent.deployment_id} stopped")


async def deployments(session: AsyncSession, name: str) -> Sequence[Deployment]:
    await get_agent(session, name)
    return await repository.deployments_of(session, name)
