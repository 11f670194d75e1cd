"""What an agent wrote, with the secrets it may have printed masked: its own keys (the gateway key its code
uses as OPENAI_API_KEY, the invoke key), the values of variables with secret-looking names, and text shaped
like a provider's key, each replaced by `***`.

The patterns run on whatever the agent printed, so they are compiled by RE2: with a backtracking engine
one long crafted line (`token` repeated, no `=`) held the deployer for tens of seconds."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

import re2

from runagents_deployer.agents.gateway_keys import INVOKE_KEY_PREFIX, KEY_PREFIX

MASK = "***"
SECRET_NAME = re2.compile(r"(?i)(api_?key|secret|token|passw(or)?d|passwd|credential|private_?key|access_?key|"
                         r"auth|bearer)")
_KEY_SHAPED = re2.compile(
    rf"({re.escape(KEY_PREFIX)}|{re.escape(INVOKE_KEY_PREFIX)})[A-Za-z0-9_-]+"
    r"|\b(sk-(ant-|proj-)?|gh[pousr]_|xox[a-z]-|hf_|gsk_)[A-Za-z0-9_-]{12,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{20,}"
)
_ASSIGNED = re2.compile(r"(?i)\b(?P<name>[A-Z0-9_]*(?:api_?key|secret|token|passw(?:or)?d|credential|private_?key|"
                       r"access_?key)[A-Z0-9_]*)(?P<sep>\s*[=:]\s*)(?P<quote>['\"]?)[^\s'\",;]{4,}")
_BEARER = re2.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


@dataclass(frozen=True)
class Masker:
    secrets: tuple[str, ...]
    """Exact values masked wherever they appear (at least 8 characters: shorter ones would mask words)."""

    @classmethod
    def of(cls, values: Iterable[str], environment: dict[str, str] | None = None) -> "Masker":
        found = [value for value in values if value]
        found += [value for name, value in (environment or {}).items() if SECRET_NAME.search(name)]
        return cls(tuple(sorted({v for v in found if len(v) >= 8}, key=len, reverse=True)))

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        text = str(_KEY_SHAPED.sub(MASK, text))
        text = str(_BEARER.sub(lambda m: m.group(1) + MASK, text))
        return str(_ASSIGNED.sub(lambda m: f"{m.group('name')}{m.group('sep')}{m.group('quote')}{MASK}", text))
