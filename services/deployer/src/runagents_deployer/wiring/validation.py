"""Checks that every finding of the analysis is wired to a registered resource."""

from collections.abc import Collection
from typing import Any

from runagents_deployer.agents.schemas import AgentCreate, ModelTarget
from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool


def wiring_problems(request: AgentCreate, report: dict[str, Any], tools: dict[str, RegisteredTool],
                    providers: dict[str, RegisteredProvider], tier: str,
                    identity_providers: Collection[str] = ()) -> list[str]:
    """Everything that stops this wiring from deploying, each said so a person can fix it.

    ``identity_providers`` names the registered identity providers (the deployer's copy)."""
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
        problems.extend(_model_problems(f"model role {role!r}", choice, providers))
        if choice.fallback is not None:
            problems.extend(_model_problems(f"the fallback of model role {role!r}", choice.fallback, providers))
    if tier == "platform" and "chat" not in request.models:
        problems.append("the platform runtime needs a chat model: wire the 'chat' role")
    access = request.access
    if access.mode == "authenticated" and not access.identity_provider:
        problems.append("access mode 'authenticated' needs identity_provider: the registered identity provider "
                        "whose tokens callers present")
    elif access.mode == "authenticated" and access.identity_provider not in identity_providers:
        problems.append(f"access trusts identity provider {access.identity_provider!r}, which is not registered")
    elif access.mode == "open" and access.identity_provider:
        problems.append(f"access mode 'open' checks no token, so identity provider {access.identity_provider!r} "
                        "would not be used: choose mode 'authenticated' or drop identity_provider")
    return problems


def _model_problems(what: str, target: ModelTarget, providers: dict[str, RegisteredProvider]) -> list[str]:
    provider = providers.get(target.provider)
    if provider is None:
        return [f"{what} uses provider {target.provider!r}, which is not registered"]
    if provider.models and target.model not in provider.models:
        return [f"{what}: provider {target.provider!r} does not serve {target.model!r} "
                f"(it serves {', '.join(provider.models)})"]
    return []
