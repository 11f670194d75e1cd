"""The context object Tier 2 handlers receive as their second argument."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runagents_runtime.config import RuntimeConfig
from runagents_runtime.events import ChatMessage


@dataclass
class RunContext:
    """What a handler(request, context) can use: tool URLs, the gateway, models and session state."""

    tools: dict[str, str]
    llm_url: str
    model: str
    system_prompt: str
    session: dict[str, Any] = field(default_factory=dict)
    models: dict[str, dict[str, str]] = field(default_factory=dict)


def build_run_context(config: RuntimeConfig, history: list[ChatMessage]) -> RunContext:
    """Return a fresh context for one request; `session["history"]` holds the caller's history."""
    return RunContext(
        tools=dict(config.tool_urls),
        llm_url=config.llm_gateway_url or "",
        model=config.model,
        system_prompt=config.system_prompt,
        session={"history": [{"role": item.role, "content": item.content} for item in history]},
        models={role: {"model": spec.model, "provider": spec.provider} for role, spec in config.model_roles.items()},
    )
