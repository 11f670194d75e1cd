"""What the browser carries between the sign-in redirect and the callback: the state, the nonce and the PKCE code
verifier, in a short-lived HttpOnly cookie that the platform signs (HMAC), so no table is needed to hold them.

A state is good once: the callback clears the cookie, and this process remembers the states it accepted until
they would have expired anyway (a second policy process would not know them; the provider's single-use
authorization code refuses such a replay there too).
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

STATE_COOKIE = "runagents_oidc"
STATE_COOKIE_PATH = "/auth/oidc"
STATE_LIFETIME_SECONDS = 600


class InvalidState(Exception):
    """The callback's state does not match a sign-in this browser started here (or it was used already)."""


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    code_verifier: str
    then: str
    expires_at: float

    @property
    def code_challenge(self) -> str:
        """The PKCE S256 challenge of the code verifier (RFC 7636 4.2)."""
        return _b64(hashlib.sha256(self.code_verifier.encode("ascii")).digest())


@dataclass
class SignInStates:
    """Makes and checks the state cookie with ``secret``."""

    secret: bytes
    _used: dict[str, float] = field(default_factory=dict)

    def start(self, then: str) -> tuple[PendingSignIn, str]:
        """A new pending sign-in and the cookie value that carries it."""
        pending = PendingSignIn(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                                code_verifier=secrets.token_urlsafe(48), then=then,
                                expires_at=time.time() + STATE_LIFETIME_SECONDS)
        payload = _b64(json.dumps(pending.__dict__, separators=(",", ":")).encode())
        return pending, f"{payload}.{self._mac(payload)}"

    def finish(self, cookie: str | None, state: str) -> PendingSignIn:
        """The pending sign-in the cookie carries, if it is this platform's, unexpired, unused and for ``state``."""
        if not cookie:
            raise InvalidState("this browser started no sign-in here (or it took longer than 10 minutes, or "
                               "cookies are blocked): start again")
        payload, _, mac = cookie.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise InvalidState("the sign-in state cookie is not this platform's: start again")
        try:
            pending = PendingSignIn(**json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
        except (ValueError, TypeError, binascii.Error):
            raise InvalidState("the sign-in state cookie cannot be read: start again") from None
        now = time.time()
        if pending.expires_at <= now:
            raise InvalidState("the sign-in took longer than 10 minutes: start again")
        if not hmac.compare_digest(pending.state.encode(), state.encode()):
            raise InvalidState("the provider answered for another sign-in than the one this browser started "
                               "(state mismatch): start again")
        self._used = {used: expires for used, expires in self._used.items() if expires > now}
        if pending.state in self._used:
            raise InvalidState("this sign-in was completed already (its state is good once): start again")
        self._used[pending.state] = pending.expires_at
        return pending

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, b"runagents oidc state\x00" + payload.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
