"""API keys and sign-in sessions: made, listed, revoked, and checked for every request of the platform."""

import hmac
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import Credential, CredentialKind, Principal, PrincipalKind, Role
from runagents_common.auth.service_keys import service_of_key
from runagents_common.db import Database
from runagents_common.db.base import utcnow
from runagents_common.errors import InvalidRequest, NotFound
from runagents_policy.principals.keys import digest, new_api_key, new_session_token, prefix_of
from runagents_policy.principals.models import ApiKey, SignInSession
from runagents_policy.principals.schemas import GRANTABLE_ROLES, ApiKeyCreated, ApiKeyIn, ApiKeyOut

LAST_USED_EVERY_SECONDS = 60.0
"""How often a key's last use is written down (not on every request)."""


def key_state(key: ApiKey, now: datetime | None = None) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate({**_columns(key), "state": key_state(key)})


def key_principal(key: ApiKey) -> Principal:
    return Principal(id=f"key:{key.prefix}", kind=PrincipalKind.API_KEY, name=key.name, role=Role(key.role))


async def create_key(session: AsyncSession, key_in: ApiKeyIn, creator: Principal) -> ApiKeyCreated:
    if key_in.role not in GRANTABLE_ROLES:
        raise InvalidRequest(f"role {key_in.role} cannot be given to a key; one of: "
                             f"{', '.join(r.value for r in GRANTABLE_ROLES)}")
    if key_in.expires_at is not None and key_in.expires_at.tzinfo is None:
        raise InvalidRequest("expires_at needs a time zone (e.g. 2027-01-01T00:00:00Z)")
    if key_in.expires_at is not None and key_in.expires_at <= utcnow():
        raise InvalidRequest("expires_at is in the past")
    secret, prefix = new_api_key()
    key = ApiKey(prefix=prefix, name=key_in.name, role=key_in.role.value, digest=digest(secret),
                 created_at=utcnow(), created_by=creator.label, expires_at=key_in.expires_at)
    session.add(key)
    await session.flush()
    return ApiKeyCreated.model_validate({**_columns(key), "state": key_state(key), "key": secret})


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.created_at))).all())


async def revoke_key(session: AsyncSession, prefix: str, revoker: Principal) -> tuple[ApiKey, bool]:
    """Revoke the key named ``prefix``; the key, and whether this call revoked it (False: it already was)."""
    key = await session.get(ApiKey, prefix)
    if key is None:
        raise NotFound(f"no API key {prefix!r}")
    if key.revoked_at is not None:
        return key, False
    key.revoked_at = utcnow()
    key.revoked_by = revoker.label
    await session.execute(delete(SignInSession).where(SignInSession.api_key_prefix == prefix))
    return key, True


async def open_session(session: AsyncSession, principal: Principal, hours: float,
                       api_key_prefix: str | None = None) -> str:
    """A new sign-in session for ``principal``; returns the token its cookie carries."""
    token = new_session_token()
    now = utcnow()
    session.add(SignInSession(digest=digest(token), principal_id=principal.id, kind=principal.kind.value,
                              name=principal.name, role=principal.role.value, api_key_prefix=api_key_prefix,
                              created_at=now, expires_at=now + timedelta(hours=hours)))
    await session.flush()
    return token


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(SignInSession).where(SignInSession.digest == digest(token)))


class PrincipalStore:
    """The policy service's :class:`~runagents_common.auth.Authenticator`: service keys (derived from
    ``service_keys_secret``), API keys and sign-in sessions."""

    def __init__(self, database: Database, service_keys_secret: str) -> None:
        self.database = database
        self._service_keys_secret = service_keys_secret
        self._last_used_written: dict[str, float] = {}

    async def authenticate(self, credential: Credential) -> Principal | None:
        if credential.kind is CredentialKind.SESSION:
            return await self._session(credential.value)
        service = service_of_key(self._service_keys_secret, credential.value)
        if service is not None:
            return Principal(id=f"service:{service.value}", kind=PrincipalKind.SERVICE, name=service.value,
                             role=Role.SERVICE)
        prefix = prefix_of(credential.value)
        if prefix is None:
            return None
        async with self.database.session() as session:
            key = await session.get(ApiKey, prefix)
            if key is None or not hmac.compare_digest(key.digest, digest(credential.value)):
                return None
            if key_state(key) != "active":
                return None
            principal = key_principal(key)
            now = time.monotonic()
            if now - self._last_used_written.get(prefix, float("-inf")) >= LAST_USED_EVERY_SECONDS:
                self._last_used_written[prefix] = now
                key.last_used_at = utcnow()
            return principal

    async def key_for_sign_in(self, secret: str) -> tuple[Principal, str] | None:
        """The principal of an API key pasted on the sign-in page, and its prefix (bootstrap keys are not
        sessions' keys: they have no prefix)."""
        prefix = prefix_of(secret)
        if prefix is None:
            return None
        principal = await self.authenticate(Credential(CredentialKind.BEARER, secret))
        return (principal, prefix) if principal is not None else None

    async def _session(self, token: str) -> Principal | None:
        async with self.database.session() as session:
            found = await session.get(SignInSession, digest(token))
            if found is None or found.expires_at <= utcnow():
                return None
            if found.api_key_prefix is not None:
                key = await session.get(ApiKey, found.api_key_prefix)
                if key is None or key_state(key) != "active":
                    return None
                role = Role(key.role)  # a key's role is read afresh
            else:
                role = Role(found.role)
            return Principal(id=found.principal_id, kind=PrincipalKind(found.kind), name=found.name, role=role,
                             session=True)


def _columns(key: ApiKey) -> dict[str, object]:
    return {column: getattr(key, column) for column in ApiKeyOut.model_fields if column != "state"}
