"""The access decision for one outbound tool call."""

import re
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["allow", "deny", "approval_required"]


@dataclass(frozen=True)
class EgressDecision:
    decision: Decision
    reason: str


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
