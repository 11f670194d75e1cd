from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import OPERATORS, READERS
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


@router.post("", dependencies=OPERATORS, response_model=IdentityProviderOut, status_code=status.HTTP_201_CREATED)
async def register_identity_provider(provider_in: IdentityProviderIn, session: SessionDep,
                                     http: Request) -> IdentityProviderOut:
    outbox = component(http, "policy").outbox
    return IdentityProviderOut.model_validate(await service.register(session, outbox, provider_in))


@router.get("/{name}", dependencies=READERS, response_model=IdentityProviderOut)
async def get_identity_provider(name: str, session: SessionDep) -> IdentityProviderOut:
    provider = IdentityProviderOut.model_validate(await service.get(session, name))
    return provider.model_copy(update={"used_by": await service.agents_using(session, name)})


@router.put("/{name}", dependencies=OPERATORS, response_model=IdentityProviderOut)
async def replace_identity_provider(name: str, update: IdentityProviderUpdate, session: SessionDep,
                                    http: Request) -> IdentityProviderOut:
    outbox = component(http, "policy").outbox
    provider = IdentityProviderOut.model_validate(await service.replace(session, outbox, name, update))
    return provider.model_copy(update={"used_by": await service.agents_using(session, name)})


@router.delete("/{name}", dependencies=OPERATORS, status_code=status.HTTP_204_NO_CONTENT)
async def delete_identity_provider(name: str, session: SessionDep, http: Request) -> Response:
    await service.remove(session, component(http, "policy").outbox, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
