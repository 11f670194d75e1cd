"""Who a credential belongs to: answered by the policy service, which keeps the keys and sessions.

The process that hosts the policy service asks it in process (:class:`Authenticator` is its store's
interface); every other process asks it over HTTP (:class:`RemoteAuthenticator`), as a service principal of
its own, and keeps answers for a few seconds.
"""

import hashlib
import logging
import time
from collections import OrderedDict
from typing import Protocol

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from runagents_common.auth.credentials import Credential, CredentialKind
from runagents_common.auth.principals import Principal
from runagents_common.errors import Unavailable
from runagents_common.http import service_client

log = logging.getLogger("runagents.auth")

INTROSPECTION_PATH = "/api/v1/auth/introspect"


class Authenticator(Protocol):
    async def authenticate(self, credential: Credential) -> Principal | None:
        """The principal ``credential`` proves, or None if it proves no one (unknown, revoked, expired)."""


class IntrospectionRequest(BaseModel):
    kind: CredentialKind
    credential: str


class IntrospectionResult(BaseModel):
    active: bool
    principal: Principal | None = None


class RemoteAuthenticator:
    """Asks the policy service, with this service's own key, who a credential is.

    Answers are kept ``ttl_seconds`` (refusals ``negative_ttl_seconds``): a key revoked or a session signed
    out stops working in the other services within that time.
    """

    def __init__(self, policy_url: str, service_key: SecretStr, *, ttl_seconds: float = 10.0,
                 negative_ttl_seconds: float = 2.0, max_entries: int = 10_000) -> None:
        self._client = service_client(policy_url, timeout=5.0, key=service_key)
        self._ttl = ttl_seconds
        self._negative_ttl = negative_ttl_seconds
        self._max_entries = max_entries
        self._answers: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()

    async def authenticate(self, credential: Credential) -> Principal | None:
        cache_key = hashlib.sha256(f"{credential.kind}\x00{credential.value}".encode()).hexdigest()
        now = time.monotonic()
        held = self._answers.get(cache_key)
        if held is not None and held[0] > now:
            return held[1]
        principal = await self._ask(credential)
        self._answers[cache_key] = (now + (self._ttl if principal else self._negative_ttl), principal)
        self._answers.move_to_end(cache_key)
        while len(self._answers) > self._max_entries:
            self._answers.popitem(last=False)
        return principal

    async def _ask(self, credential: Credential) -> Principal | None:
        body = IntrospectionRequest(kind=credential.kind, credential=credential.value)
        try:
            response = await self._client.post(INTROSPECTION_PATH, json=body.model_dump(mode="json"))
        except httpx.HTTPError as exc:
            raise Unavailable(f"cannot check the credential: the policy service did not answer "
                              f"({type(exc).__name__})") from exc
        if response.status_code != 200:
            log.error("introspection refused with HTTP %s: is this service's key (RUNAGENTS_<SERVICE>_SERVICE_KEY) "
                      "the one `runagents setup-identity` derived?", response.status_code)
            raise Unavailable(f"cannot check the credential: the policy service answered HTTP {response.status_code}")
        try:
            result = IntrospectionResult.model_validate_json(response.content)
        except ValidationError as exc:
            raise Unavailable("cannot check the credential: the policy service's answer is not an introspection "
                              "result") from exc
        return result.principal if result.active else None

    async def aclose(self) -> None:
        await self._client.aclose()
