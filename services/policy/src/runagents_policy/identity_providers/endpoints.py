from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.audit import record_change
from runagents_common.auth import READERS, Operator
from runagents_common.service import component, unit_of_work
from runagents_policy.identity_providers import service
from runagents_policy.identity_providers.schemas import (
    IdentityProviderIn,
    IdentityProviderList,
    IdentityProviderOut,
    IdentityProviderUpdate,
)

SessionDep = Annotated[AsyncSession, unit_of_work("policy")]
router = APIRouter(prefix="/api/v1/identity-providers", tags=["identity-providers"])


@router.get("", dependencies=READERS, response_model=IdentityProviderList)
async def list_identity_providers(session: SessionDep) -> IdentityProviderList:
    uses = await service.uses(session)
    return IdentityProviderList(items=[
        IdentityProviderOut.model_validate(p).model_copy(update={"used_by": uses.get(p.name, [])})
        for p in await service.list_providers(session)
    ])


@router.post("", response_model=IdentityProviderOut, status_code=status.HTTP_201_CREATED)
async def register_identity_provider(provider_in: IdentityProviderIn, session: SessionDep, principal: Operator,
                                     http: Request) -> IdentityProviderOut:
    outbox = component(http, "policy").outbox
    provider = await service.register(session, outbox, provider_in, by=principal.label)
    record_change(session, outbox, principal, action="identity_provider.registered",
                  resource_type="identity_provider", resource=provider.name, summary=service.describe(provider))
    return IdentityProviderOut.model_validate(provider)


@router.get("/{name}", dependencies=READERS, response_model=IdentityProviderOut)
async def get_identity_provider(name: str, session: SessionDep) -> IdentityProviderOut:
    provider = IdentityProviderOut.model_validate(await service.get(session, name))
    return provider.model_copy(update={"used_by": await service.agents_using(session, name)})


@router.put("/{name}", response_model=IdentityProviderOut)
async def replace_identity_provider(name: str, update: IdentityProviderUpdate, session: SessionDep,
                                    principal: Operator, http: Request) -> IdentityProviderOut:
    outbox = component(http, "policy").outbox
    replaced = await service.replace(session, outbox, name, update, by=principal.label)
    record_change(session, outbox, principal, action="identity_provider.replaced",
                  resource_type="identity_provider", resource=name, summary=service.describe(replaced))
    provider = IdentityProviderOut.model_validate(replaced)
    return provider.model_copy(update={"used_by": await service.agents_using(session, name)})


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_identity_provider(name: str, session: SessionDep, principal: Operator, http: Request) -> Response:
    outbox = component(http, "policy").outbox
    await service.remove(session, outbox, name)
    record_change(session, outbox, principal, action="identity_provider.deleted",
                  resource_type="identity_provider", resource=name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
