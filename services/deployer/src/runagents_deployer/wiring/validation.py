"""Checks that every finding of the analysis is wired to a registered resource."""

import json
from collections.abc import Collection
from typing import Any

from runagents_contracts.llm_usage import ADAPTERS_NEEDING_A_MODEL, LlmUsage

from runagents_deployer.agents.entry import report_entry
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
    unwired = _unwired_model_roles(request, report, providers, tier)
    problems.extend(unwired.values())
    for role, choice in request.models.items():
        problems.extend(_model_problems(f"model role {role!r}", choice, providers))
        if choice.fallback is not None:
            problems.extend(_model_problems(f"the fallback of model role {role!r}", choice.fallback, providers))
    if tier == "platform" and "chat" not in request.models and "chat" not in unwired:
        problems.append("the platform runtime needs a chat model: the 'chat' role is not wired; "
                        + _how_to_wire("chat", providers))
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


def llm_usages(report: dict[str, Any]) -> list[LlmUsage]:
    """The report's model calls, read as the contract defines them (fields this deployer does not
    know, from a newer analyzer, are left aside)."""
    known = LlmUsage.model_fields.keys()
    return [LlmUsage.model_validate({key: value for key, value in usage.items() if key in known})
            for usage in report.get("llm_usage") or [] if isinstance(usage, dict)]


def _unwired_model_roles(request: AgentCreate, report: dict[str, Any], providers: dict[str, RegisteredProvider],
                         tier: str) -> dict[str, str]:
    """A problem per model role the code uses that is not wired: each call site the analysis found,
    and, for custom code whose entry runs through an agent framework, the chat model it answers with."""
    sites: dict[str, list[str]] = {}
    for usage in llm_usages(report):
        model = f" {usage.model}" if usage.model else ""
        sites.setdefault(usage.role, []).append(f"{usage.provider}{model}, {usage.file}:{usage.line}")
    entry = report_entry(report)
    adapter = entry.adapter if entry else None
    if tier == "custom" and adapter in ADAPTERS_NEEDING_A_MODEL and "chat" not in sites:
        sites["chat"] = [f"the entry runs through the {adapter} adapter, whose framework answers with a chat model"]
    return {role: f"model role {role!r} ({'; '.join(where)}) is not wired to a model provider: "
                  f"{_how_to_wire(role, providers)}"
            for role, where in sites.items() if role not in request.models}


def _how_to_wire(role: str, providers: dict[str, RegisteredProvider]) -> str:
    example = next(((p.name, p.models[0]) for p in sorted(providers.values(), key=lambda p: p.kind != "playground")
                    if p.models), None)
    if example is None:
        return "register a model provider (POST /api/v1/model-providers), then wire it in the deploy request's models"
    provider, model = example
    wiring = json.dumps({role: {"provider": provider, "model": model}})
    return f"wire it in the deploy request, e.g. \"models\": {wiring}"


def _model_problems(what: str, target: ModelTarget, providers: dict[str, RegisteredProvider]) -> list[str]:
    provider = providers.get(target.provider)
    if provider is None:
        return [f"{what} uses provider {target.provider!r}, which is not registered"]
    if provider.models and target.model not in provider.models:
        return [f"{what}: provider {target.provider!r} does not serve {target.model!r} "
                f"(it serves {', '.join(provider.models)})"]
    return []
