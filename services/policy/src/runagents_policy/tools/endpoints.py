from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.audit import record_change
from runagents_common.auth import READERS, Operator
from runagents_common.service import component, unit_of_work
from runagents_policy.tools import service
from runagents_policy.tools.schemas import ToolIn, ToolList, ToolOut, ToolUpdate

SessionDep = Annotated[AsyncSession, unit_of_work("policy")]
router = APIRouter(prefix="/api/v1/tools", tags=["tools"])


@router.get("", dependencies=READERS, response_model=ToolList)
async def list_tools(session: SessionDep) -> ToolList:
    return ToolList(items=[ToolOut.model_validate(t) for t in await service.list_tools(session)])


@router.post("", response_model=ToolOut, status_code=status.HTTP_201_CREATED)
async def register_tool(tool_in: ToolIn, session: SessionDep, principal: Operator, http: Request) -> ToolOut:
    tool = await service.register(session, tool_in, by=principal.label)
    record_change(session, component(http, "policy").outbox, principal, action="tool.registered",
                  resource_type="tool", resource=tool.name, summary=service.describe(tool))
    return ToolOut.model_validate(tool)


@router.get("/{name}", dependencies=READERS, response_model=ToolOut)
async def get_tool(name: str, session: SessionDep) -> ToolOut:
    return ToolOut.model_validate(await service.get(session, name))


@router.put("/{name}", response_model=ToolOut)
async def replace_tool(name: str, update: ToolUpdate, session: SessionDep, principal: Operator,
                       http: Request) -> ToolOut:
    tool = await service.replace(session, name, update, by=principal.label)
    record_change(session, component(http, "policy").outbox, principal, action="tool.replaced",
                  resource_type="tool", resource=tool.name, summary=service.describe(tool))
    return ToolOut.model_validate(tool)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tool(name: str, session: SessionDep, principal: Operator, http: Request) -> Response:
    await service.remove(session, name)
    record_change(session, component(http, "policy").outbox, principal, action="tool.deleted",
                  resource_type="tool", resource=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
