import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import READERS, Operator
from runagents_common.errors import NotFound
from runagents_common.service import component, unit_of_work
from runagents_deployer.agents import logs, repository, service
from runagents_deployer.agents.gateway_keys import agent_gateway_key, agent_invoke_key
from runagents_deployer.agents.masking import Masker
from runagents_deployer.agents.schemas import AgentCreate, AgentList, AgentLogs, AgentOut, DeploymentList, DeploymentOut
from runagents_deployer.context import DeployerContext, deployer_context

SessionDep = Annotated[AsyncSession, unit_of_work("deployer")]
ContextDep = Annotated[DeployerContext, Depends(deployer_context)]
router = APIRouter(prefix="/api/v1/agents", tags=["agents"])
_PROBLEM: dict[str, Any] = {"application/problem+json": {}}
MAX_LOG_LINES = 10_000


@router.post("", response_model=AgentOut, status_code=status.HTTP_202_ACCEPTED, responses={
    422: {"description": "The wiring is incomplete, or the entry cannot take the user's message (``refusal`` "
                         "shows the handler() that would make it work)", "content": _PROBLEM}})
async def create_agent(request: AgentCreate, session: SessionDep, context: ContextDep, principal: Operator,
                       http: Request) -> AgentOut:
    """Deploy an agent. An existing name is redeployed: a new deployment (new analysis, wiring, build); one
    that serves keeps serving until the new deployment runs, and stays when it fails."""
    outbox = component(http, "deployer").outbox
    agent = await service.create_agent(session, outbox, context.registry, request, context.key_secret, principal)
    return AgentOut.model_validate(agent)


@router.get("", dependencies=READERS, response_model=AgentList)
async def list_agents(session: SessionDep) -> AgentList:
    return AgentList(items=[AgentOut.model_validate(a) for a in await service.list_agents(session)])


@router.get("/{name}", dependencies=READERS, response_model=AgentOut)
async def get_agent(name: str, session: SessionDep) -> AgentOut:
    return AgentOut.model_validate(await service.get_agent(session, name))


@router.get("/{name}/deployments", dependencies=READERS, response_model=DeploymentList)
async def list_deployments(name: str, session: SessionDep) -> DeploymentList:
    return DeploymentList(items=[DeploymentOut.model_validate(d) for d in await service.deployments(session, name)])


@router.get("/{name}/logs", dependencies=READERS, response_model=AgentLogs, responses={
    200: {"content": {"text/event-stream": {}}, "description": "JSON; with follow=true an SSE stream: the tail, then "
          "each new line as it is written, as `data: {\"line\": ...}` events, until the client goes away"}})
async def agent_logs(
    name: str, context: ContextDep, request: Request,
    lines: Annotated[int, Query(ge=0, le=MAX_LOG_LINES)] = 100,
    follow: bool = False,
    deployment: Annotated[str | None, Query(description="Another deployment's log (default: the current)")] = None,
) -> AgentLogs | StreamingResponse:
    # A session of its own, closed before a follow starts: the stream may last for hours.
    async with component(request, "deployer").database.session() as session:
        deployment_id = (await service.get_agent(session, name)).deployment_id
        if deployment is not None:
            found = await repository.get_deployment(session, deployment)
            if found is None or found.agent != name:
                raise NotFound(f"agent {name!r} has no deployment {deployment!r}")
            deployment_id = found.id
    path = context.backend.log_file(name, deployment_id)
    if path is None:
        raise NotFound(f"deployment {deployment_id} of agent {name!r} has no log (it has not started)")
    masker = Masker.of([agent_gateway_key(context.key_secret, name, deployment_id),
                        agent_invoke_key(context.key_secret, name, deployment_id)])
    tail, offset = await asyncio.to_thread(logs.tail, path, lines, masker)  # a file read, off the loop
    if not follow:
        return AgentLogs(agent=name, deployment_id=deployment_id, lines=tail)

    async def events() -> AsyncIterator[bytes]:
        for written in tail:
            yield _event(written)
        async for line in logs.follow(path, offset, masker, request.is_disconnected):
            yield _event(line) if line is not None else b": keep-alive\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _event(line: str) -> bytes:
    return f"data: {json.dumps({'line': line})}\n\n".encode()


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_agent(name: str, session: SessionDep, context: ContextDep, principal: Operator,
                       http: Request) -> Response:
    await service.delete_agent(session, component(http, "deployer").outbox, name, principal)
    await context.backend.stop(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
