"""The admin keys a process is started with: RUNAGENTS_ADMIN_KEY, and dev mode's key in the data dir.

Each process checks them itself (a digest comparison, no call): a platform whose policy service is not up yet,
or a single service run alone, still lets its administrator in.
"""

import hashlib
import hmac
from collections.abc import Sequence

from pydantic import SecretStr

from runagents_common.auth.authenticator import Authenticator
from runagents_common.auth.credentials import Credential, CredentialKind
from runagents_common.auth.principals import Principal, PrincipalKind, Role


class BootstrapKeys:
    """Admin keys given at start, by name (``env``, ``data-dir``); only their digests are kept."""

    def __init__(self, keys: dict[str, SecretStr]) -> None:
        self._digests = {name: _digest(key.get_secret_value()) for name, key in keys.items()
                         if key.get_secret_value()}

    def __bool__(self) -> bool:
        return bool(self._digests)

    async def authenticate(self, credential: Credential) -> Principal | None:
        if credential.kind is not CredentialKind.BEARER:
            return None
        sent = _digest(credential.value)
        for name, digest in self._digests.items():
            if hmac.compare_digest(sent, digest):
                return bootstrap_principal(name)
        return None


def bootstrap_principal(name: str) -> Principal:
    """The admin a bootstrap key named ``name`` proves (dev mode's one-time sign-in link proves ``data-dir``'s)."""
    return Principal(id=f"bootstrap:{name}", kind=PrincipalKind.BOOTSTRAP_KEY, name=f"bootstrap admin key ({name})",
                     role=Role.ADMIN)


class FirstOf:
    """The first of several authenticators that knows the credential."""

    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        self.authenticators = list(authenticators)

    async def authenticate(self, credential: Credential) -> Principal | None:
        for authenticator in self.authenticators:
            principal = await authenticator.authenticate(credential)
            if principal is not None:
                return principal
        return None


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()
