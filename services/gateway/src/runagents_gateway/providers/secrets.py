"""Provider API keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from settings."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

# Binds the derived key to this one purpose, so the same secret can never decrypt anything else.
_KEY_INFO = b"runagents-gateway/provider-api-keys/v1"


class UnreadableKey(Exception):
    """A stored key does not decrypt with the configured secret (it was changed or the row is corrupt)."""


class KeyCipher:
    """Encrypts and decrypts provider API keys."""

    def __init__(self, secret: SecretStr) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
            secret.get_secret_value().encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, api_key: SecretStr) -> str:
        return self._fernet.encrypt(api_key.get_secret_value().encode()).decode("ascii")

    def decrypt(self, token: str) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(token.encode("ascii")).decode())
        except (InvalidToken, ValueError) as exc:
            raise UnreadableKey("the stored API key does not decrypt with the configured secret key") from exc
