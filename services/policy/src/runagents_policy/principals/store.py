"""API keys and sign-in sessions: made, listed, revoked, and checked for every request of the platform."""

import hmac
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.auth import Credential, CredentialKind, Principal, PrincipalKind, Role
from runagents_common.auth.service_keys import SERVICE_KEY_PREFIX, service_of_key
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


KNOWN_FOR_SECONDS = 5.0
"""How long this process keeps a credential it found valid without reading its row again. A key revoked or a
session closed through this process is forgotten at once; through another replica of the policy service, within
this time."""
MAX_KNOWN = 10_000


class PrincipalStore:
    """The policy service's :class:`~runagents_common.auth.Authenticator`: service keys (derived from
    ``service_keys_secret``), API keys and sign-in sessions."""

    def __init__(self, database: Database, service_keys_secret: str) -> None:
        self.database = database
        self._service_keys_secret = service_keys_secret
        self._last_used_written: dict[str, float] = {}
        self._known: dict[str, tuple[float, Principal, str | None]] = {}
        """digest of a credential -> (until when, its principal, the API key prefix it stands or falls with)"""
        self._forgotten: dict[str, float] = {}
        """prefix or session digest -> until when an answer read meanwhile is not kept (a read racing the revoke)"""

    def forget_key(self, prefix: str) -> None:
        """A key was revoked: it and the sessions opened with it are no longer known."""
        self._forget(lambda held: held[2] == prefix, prefix)

    def forget_session(self, token: str) -> None:
        session_digest = digest(f"session\x00{token}")
        self._forget(lambda _held: False, session_digest)
        self._known.pop(session_digest, None)

    def _forget(self, matches: Callable[[tuple[float, Principal, str | None]], bool], name: str) -> None:
        for cached, held in list(self._known.items()):
            if matches(held):
                del self._known[cached]
        now = time.monotonic()
        self._forgotten = {held: until for held, until in self._forgotten.items() if until > now}
        self._forgotten[name] = now + KNOWN_FOR_SECONDS

    async def authenticate(self, credential: Credential) -> Principal | None:
        if credential.kind is CredentialKind.BEARER and credential.value.startswith(SERVICE_KEY_PREFIX):
            return self._service(credential.value)
        cache_key = digest(f"{credential.kind.value}\x00{credential.value}")
        now = time.monotonic()
        held = self._known.get(cache_key)
        if held is not None and held[0] > now:
            return held[1]
        if credential.kind is CredentialKind.SESSION:
            found = await self._session(credential.value)
        else:
            found = await self._api_key(credential.value)
        if found is None:
            return None
        principal, prefix, valid_until = found
        if self._forgotten.get(prefix or "", 0) <= now and self._forgotten.get(cache_key, 0) <= now:
            if len(self._known) >= MAX_KNOWN:
                self._known.clear()
            self._known[cache_key] = (min(now + KNOWN_FOR_SECONDS, valid_until), principal, prefix)
        return principal

    def _service(self, key: str) -> Principal | None:
        service = service_of_key(self._service_keys_secret, key)
        if service is None:
            return None
        return Principal(id=f"service:{service.value}", kind=PrincipalKind.SERVICE, name=service.value,
                         role=Role.SERVICE)

    async def _api_key(self, secret: str) -> tuple[Principal, str, float] | None:
        """The key's principal, its prefix and until when (monotonic) it stays valid, if it is active."""
        prefix = prefix_of(secret)
        if prefix is None:
            return None
        async with self.database.session() as session:
            key = await session.get(ApiKey, prefix)
            if key is None or not hmac.compare_digest(key.digest, digest(secret)):
                return None
            if key_state(key) != "active":
                return None
            now = time.monotonic()
            if now - self._last_used_written.get(prefix, float("-inf")) >= LAST_USED_EVERY_SECONDS:
                self._last_used_written[prefix] = now
                key.last_used_at = utcnow()
            return key_principal(key), prefix, now + _seconds_left(key.expires_at)

    async def _session(self, token: str) -> tuple[Principal, str | None, float] | None:
        """The session's principal, the API key it was opened with, and until when (monotonic) it stays valid."""
        async with self.database.session() as session:
            found = await session.get(SignInSession, digest(token))
            if found is None or found.expires_at <= utcnow():
                return None
            valid_for = _seconds_left(found.expires_at)
            if found.api_key_prefix is not None:
                key = await session.get(ApiKey, found.api_key_prefix)
                if key is None or key_state(key) != "active":
                    return None
                role = Role(key.role)  # a key's role is read afresh
                valid_for = min(valid_for, _seconds_left(key.expires_at))
            else:
                role = Role(found.role)
            principal = Principal(id=found.principal_id, kind=PrincipalKind(found.kind), name=found.name, role=role)
            return principal, found.api_key_prefix, time.monotonic() + valid_for


def _seconds_left(until: datetime | None) -> float:
    return float("inf") if until is None else (until - utcnow()).total_seconds()


def _columns(key: ApiKey) -> dict[str, object]:
    return {column: getattr(key, column) for column in ApiKeyOut.model_fields if column != "state"}
