from typing import Annotated

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import OPERATORS, READERS
from runagents_common.service import unit_of_work
from runagents_policy.tools import service
from runagents_policy.tools.schemas import ToolIn, ToolList, ToolOut, ToolUpdate

SessionDep = Annotated[AsyncSession, unit_of_work("policy")]
router = APIRouter(prefix="/api/v1/tools", tags=["tools"])


@router.get("", dependencies=READERS, response_model=ToolList)
async def list_tools(session: SessionDep) -> ToolList:
    return ToolList(items=[ToolOut.model_validate(t) for t in await service.list_tools(session)])


@router.post("", dependencies=OPERATORS, response_model=ToolOut, status_code=status.HTTP_201_CREATED)
async def register_tool(tool_in: ToolIn, session: SessionDep) -> ToolOut:
    return ToolOut.model_validate(await service.register(session, tool_in))


@router.get("/{name}", dependencies=READERS, response_model=ToolOut)
async def get_tool(name: str, session: SessionDep) -> ToolOut:
    return ToolOut.model_validate(await service.get(session, name))


@router.put("/{name}", dependencies=OPERATORS, response_model=ToolOut)
async def replace_tool(name: str, update: ToolUpdate, session: SessionDep) -> ToolOut:
    return ToolOut.model_validate(await service.replace(session, name, update))


@router.delete("/{name}", dependencies=OPERATORS, status_code=status.HTTP_204_NO_CONTENT)
async def delete_tool(name: str, session: SessionDep) -> Response:
    await service.remove(session, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
