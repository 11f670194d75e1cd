"""The access decision for one outbound tool call."""

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

Decision = Literal["allow", "deny", "approval_required"]


@dataclass(frozen=True)
class EgressDecision:
    decision: Decision
    reason: str


class UnsafePath(ValueError):
    """A tool path that could mean another path than the one matched (dot segments and their disguises)."""


_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)
_ENCODED_DOT_OR_SEPARATOR = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
"""RFC 3986 pchar and "/": sent as they are; every other character of a decoded path is percent-encoded."""


def tool_path(decoded: str, raw: bytes) -> str:
    """The path a tool call is matched on (``decoded``, as the router percent-decoded it) after refusing
    what could escape that match: a ``.`` or ``..`` segment however spelt (``%2e``, ``%2E``), an encoded
    slash or backslash (``%2f``, ``%5c``) in ``raw`` (the request target as sent), a backslash, an
    empty segment (``//``), a control character, or a dot or slash encoded twice (``%252e``)."""
    if _ENCODED_SEPARATOR.search(raw):
        raise UnsafePath("the tool path holds an encoded slash or backslash (%2f, %5c)")
    if "\\" in decoded:
        raise UnsafePath("the tool path holds a backslash")
    if any(ord(c) < 0x20 or c == "\x7f" for c in decoded):
        raise UnsafePath("the tool path holds a control character")
    if _ENCODED_DOT_OR_SEPARATOR.search(decoded):
        raise UnsafePath("the tool path holds a dot or slash percent-encoded twice (%252e, %252f)")
    segments = decoded.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        raise UnsafePath("the tool path holds a dot segment (. or .., also as %2e): a path must name "
                         "the resource it calls, not climb out of it")
    if any(segment == "" for segment in segments[:-1]):
        raise UnsafePath("the tool path holds an empty segment (//)")
    return decoded


def tool_target(path: str) -> str:
    """``path`` as sent to the tool: percent-encoded once, so the tool decodes exactly the matched path."""
    return quote(path, safe=_PATH_SAFE)


def _template_regex(path_template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path_template.rstrip("/") or "/")
    pattern = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}/?$")


def decide(*, granted: bool, capabilities: list[dict[str, Any]], method: str, path: str, tool: str,
           agent: str) -> EgressDecision:
    """Allow a call when the agent is wired to the tool and the call matches one of the tool's
    capabilities (method + path template). A tool registered without capabilities restricts nothing
    beyond the wiring."""
    if not granted:
        return EgressDecision("deny", f"agent {agent!r} is not wired to tool {tool!r}")
    if not capabilities:
        return EgressDecision("allow", "tool declares no capability restrictions")
    for capability in capabilities:
        if capability.get("method", "").upper() == method.upper() and _template_regex(
            str(capability.get("path", "/"))
        ).match(path):
            return EgressDecision("allow", f"matches capability {capability['method']} {capability['path']}")
    return EgressDecision("deny", f"{method.upper()} {path} matches no capability of tool {tool!r}")
