"""Checks that every finding of the analysis is wired to a registered resource."""

from typing import Any

from runagents_deployer.agents.schemas import AgentCreate
from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool


def wiring_problems(request: AgentCreate, report: dict[str, Any], tools: dict[str, RegisteredTool],
                    providers: dict[str, RegisteredProvider], tier: str) -> list[str]:
    """Everything that stops this wiring from deploying, each said so a person can fix it."""
    problems: list[str] = []
    for detected in report.get("tools", []):
        name = detected.get("name")
        if name not in request.tools:
            problems.append(f"tool {name!r} ({detected.get('base_url')}) is not wired to a registered tool")
    for detected, registered in request.tools.items():
        if registered not in tools:
            problems.append(f"tool {detected!r} is wired to {registered!r}, which is not a registered tool")
    for usage in report.get("llm_usage", []):
        role = usage.get("role") or "chat"
        if role not in request.models:
            problems.append(
                f"model role {role!r} ({usage.get('provider')} {usage.get('model')}, {usage.get('file')}:"
                f"{usage.get('line')}) is not wired to a model provider"
            )
    for role, choice in request.models.items():
        provider = providers.get(choice.provider)
        if provider is None:
            problems.append(f"model role {role!r} uses provider {choice.provider!r}, which is not registered")
        elif provider.models and choice.model not in provider.models:
            problems.append(
                f"model role {role!r}: provider {choice.provider!r} does not serve {choice.model!r} "
                f"(it serves {', '.join(provider.models)})"
            )
    if tier == "platform" and "chat" not in request.models:
        problems.append("the platform runtime needs a chat model: wire the 'chat' role")
    if request.access.mode == "authenticated":
        problems.append(
            "access mode 'authenticated' needs a registered identity provider, and this platform has no "
            "identity provider registry yet; deploy with access mode 'open'"
        )
    return problems
