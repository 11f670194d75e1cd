from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.audit import record_change
from runagents_common.auth import READERS, Operator
from runagents_common.service import component, context_dependency, unit_of_work
from runagents_gateway.context import GatewayContext
from runagents_gateway.providers import service
from runagents_gateway.providers.schemas import ProviderIn, ProviderList, ProviderOut, ProviderUpdate

SessionDep = Annotated[AsyncSession, unit_of_work("gateway")]
ContextDep = Annotated[GatewayContext, Depends(context_dependency("gateway"))]
router = APIRouter(prefix="/api/v1/model-providers", tags=["model providers"])


@router.get("", dependencies=READERS, response_model=ProviderList)
async def list_providers(session: SessionDep) -> ProviderList:
    return ProviderList(items=[ProviderOut.of(p) for p in await service.list_providers(session)])


@router.post("", response_model=ProviderOut, status_code=status.HTTP_201_CREATED)
async def register_provider(provider_in: ProviderIn, session: SessionDep, context: ContextDep, principal: Operator,
                            http: Request) -> ProviderOut:
    provider = await service.register(session, context.cipher, provider_in, context.wire.routes.invalidate,
                                      by=principal.label)
    record_change(session, component(http, "gateway").outbox, principal, action="model_provider.registered",
                  resource_type="model_provider", resource=provider.name,
                  summary=service.describe(provider, "set" if provider.encrypted_api_key else "none"))
    return ProviderOut.of(provider)


@router.get("/{name}", dependencies=READERS, response_model=ProviderOut)
async def get_provider(name: str, session: SessionDep) -> ProviderOut:
    return ProviderOut.of(await service.get(session, name))


@router.put("/{name}", response_model=ProviderOut)
async def replace_provider(name: str, update: ProviderUpdate, session: SessionDep, context: ContextDep,
                           principal: Operator, http: Request) -> ProviderOut:
    provider = await service.replace(session, context.cipher, name, update, context.wire.routes.invalidate,
                                     by=principal.label)
    key_change = "kept" if update.api_key is None else "replaced" if update.api_key.get_secret_value() else "removed"
    record_change(session, component(http, "gateway").outbox, principal, action="model_provider.replaced",
                  resource_type="model_provider", resource=name, summary=service.describe(provider, key_change))
    return ProviderOut.of(provider)


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_provider(name: str, session: SessionDep, context: ContextDep, principal: Operator,
                          http: Request) -> Response:
    await service.remove(session, name, context.wire.routes.invalidate)
    record_change(session, component(http, "gateway").outbox, principal, action="model_provider.deleted",
                  resource_type="model_provider", resource=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
