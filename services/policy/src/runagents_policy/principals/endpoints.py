"""API keys (admins only), who am I, and the introspection the other services ask."""

from typing import Annotated

from fastapi import APIRouter, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.audit import record_change
from runagents_common.auth import (
    ADMINS,
    SESSION_COOKIE,
    Admin,
    Credential,
    IntrospectionRequest,
    IntrospectionResult,
    Permission,
    Reader,
    csrf_token,
    requires,
)
from runagents_common.auth.access import authentication_of
from runagents_common.service import component, unit_of_work
from runagents_policy.principals import store
from runagents_policy.principals.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyList, ApiKeyOut, Me

SessionDep = Annotated[AsyncSession, unit_of_work("policy")]

keys_router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])
auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@keys_router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated,
                  summary="Make an API key; the key is in this answer only")
async def create_api_key(key_in: ApiKeyIn, session: SessionDep, principal: Admin, http: Request) -> ApiKeyCreated:
    created = await store.create_key(session, key_in, principal)
    expiry = f", expires {created.expires_at.isoformat()}" if created.expires_at else ""
    # The key itself is in the answer only: the entry names it by its prefix.
    record_change(session, component(http, "policy").outbox, principal, action="api_key.created",
                  resource_type="api_key", resource=created.prefix,
                  summary=f"key {created.name!r} with role {created.role.value}{expiry}")
    return created


@keys_router.get("", dependencies=ADMINS, response_model=ApiKeyList)
async def list_api_keys(session: SessionDep) -> ApiKeyList:
    return ApiKeyList(items=[store.key_out(key) for key in await store.list_keys(session)])


@keys_router.delete("/{prefix}", response_model=ApiKeyOut, summary="Revoke an API key (it stays listed, revoked)")
async def revoke_api_key(prefix: str, session: SessionDep, principal: Admin, http: Request) -> ApiKeyOut:
    key, revoked_now = await store.revoke_key(session, prefix, principal)
    component(http, "policy").context.principals.forget_key(key.prefix)
    if revoked_now:  # revoking a revoked key changes nothing
        record_change(session, component(http, "policy").outbox, principal, action="api_key.revoked",
                      resource_type="api_key", resource=key.prefix, summary=f"key {key.name!r} ({key.role})")
    return store.key_out(key)


@auth_router.get("/me", response_model=Me, summary="Who the credential of this request is")
async def me(request: Request, principal: Reader) -> Me:
    cookie = request.cookies.get(SESSION_COOKIE)
    return Me(id=principal.id, kind=principal.kind.value, name=principal.name, role=principal.role,
              session=principal.session, csrf_token=csrf_token(cookie) if principal.session and cookie else None)


@auth_router.post("/introspect", response_model=IntrospectionResult,
                  dependencies=[requires(Permission.INTROSPECT)],
                  summary="Who a credential is (the platform's own services only)")
async def introspect(body: IntrospectionRequest, request: Request) -> IntrospectionResult:
    authenticator = authentication_of(request).authenticator  # never None here: only a service key gets this far
    principal = await authenticator.authenticate(Credential(body.kind, body.credential)) \
        if authenticator is not None and body.credential else None
    return IntrospectionResult(active=principal is not None, principal=principal)


routers = [keys_router, auth_router]
__all__ = ["routers"]
