from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.service import component, unit_of_work
from runagents_deployer.agents import service
from runagents_deployer.agents.schemas import AgentCreate, AgentList, AgentOut
from runagents_deployer.context import DeployerContext, deployer_context

SessionDep = Annotated[AsyncSession, unit_of_work("deployer")]
ContextDep = Annotated[DeployerContext, Depends(deployer_context)]
router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


@router.post("", response_model=AgentOut, status_code=status.HTTP_202_ACCEPTED)
async def create_agent(request: AgentCreate, session: SessionDep, context: ContextDep, http: Request) -> AgentOut:
    outbox = component(http, "deployer").outbox
    agent = await service.create_agent(session, outbox, context.registry, request, context.key_secret)
    return AgentOut.model_validate(agent)


@router.get("", response_model=AgentList)
async def list_agents(session: SessionDep) -> AgentList:
    return AgentList(items=[AgentOut.model_validate(a) for a in await service.list_agents(session)])


@router.get("/{name}", response_model=AgentOut)
async def get_agent(name: str, session: SessionDep) -> AgentOut:
    return AgentOut.model_validate(await service.get_agent(session, name))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_agent(name: str, session: SessionDep, context: ContextDep, http: Request) -> Response:
    await service.delete_agent(session, component(http, "deployer").outbox, name)
    await context.backend.stop(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
