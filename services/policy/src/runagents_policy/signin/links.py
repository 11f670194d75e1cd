"""One-time sign-in links: the URL dev mode prints at start carries a code that opens one admin session, once."""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field


@dataclass
class SignInLinks:
    """Codes minted by this process (kept in memory: a restart prints a new link), each good once."""

    lifetime_seconds: float = 24 * 3600.0
    _codes: dict[bytes, float] = field(default_factory=dict)

    def mint(self) -> str:
        code = secrets.token_urlsafe(24)
        self._codes[_digest(code)] = time.monotonic() + self.lifetime_seconds
        return code

    def redeem(self, code: str) -> bool:
        """True once for a code this process minted and that has not expired."""
        now = time.monotonic()
        sent = _digest(code)
        for held, expires in list(self._codes.items()):
            if expires <= now:
                del self._codes[held]
            elif hmac.compare_digest(held, sent):
                del self._codes[held]
                return True
        return False


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()
