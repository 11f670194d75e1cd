"""The environment an agent's runtime starts with (the spec's "Injected Environment Variables")."""

import json
import re
from typing import Any

from runagents_deployer.wiring.registry import RegisteredProvider, RegisteredTool

ROLE_SUFFIXES = {"embedding": "EMBEDDING", "classify": "CLASSIFY", "reranking": "RERANKING"}


def env_name(tool: str) -> str:
    """TOOL_URL_ suffix of a tool name: uppercased, hyphens (and other non-word characters) to underscores."""
    return re.sub(r"\W", "_", tool).upper()


def runtime_gateway_url(gateway_url: str) -> str:
    """LLM_GATEWAY_URL of agents whose platform's gateway is at ``gateway_url``."""
    return f"{gateway_url}/llm/v1/chat/completions"


def runtime_environment(
    *, agent: str, system_prompt: str, tier: str, entry_point: str | None, tools: dict[str, str],
    registered_tools: dict[str, RegisteredTool], models: dict[str, dict[str, str]],
    providers: dict[str, RegisteredProvider], gateway_url: str, egress_url: str, max_tool_iterations: int,
    agent_key: str | None = None, entry_adapter: str | None = None, entry_target: str | None = None,
    entry_module: str | None = None,
) -> dict[str, str]:
    """``tools`` maps detected tool names to registered ones; each wired tool is reached through the
    egress layer at ``<egress_url>/<agent>/<tool>``, under its registered name and its detected one."""
    env: dict[str, str] = {
        "AGENT_NAME": agent,
        "SYSTEM_PROMPT": system_prompt,
        "LLM_GATEWAY_URL": runtime_gateway_url(gateway_url),
        "MAX_TOOL_ITERATIONS": str(max_tool_iterations),
    }
    if agent_key is not None:
        # The runtime hands it to the agent's code as OPENAI_API_KEY / ANTHROPIC_API_KEY.
        env["RUNAGENTS_AGENT_TOKEN"] = agent_key
    chat = models.get("chat")
    if chat:
        env["LLM_MODEL"] = chat["model"]
        env["LLM_PROVIDER_NAME"] = chat["provider"]
        env["LLM_PROVIDER"] = providers[chat["provider"]].kind if chat["provider"] in providers else ""
    for role, suffix in ROLE_SUFFIXES.items():
        if role in models:
            env[f"LLM_MODEL_{suffix}"] = models[role]["model"]
            provider = providers.get(models[role]["provider"])
            env[f"LLM_PROVIDER_{suffix}"] = provider.kind if provider else models[role]["provider"]
    if tier == "custom" and entry_point:
        env["USER_ENTRY_POINT"] = entry_point
        # How the runtime calls it, as the analysis decided (runagents_contracts.entry); absent for reports
        # older than that, when the runtime decides itself.
        for variable, value in (("USER_ENTRY_ADAPTER", entry_adapter), ("USER_ENTRY_TARGET", entry_target),
                                ("USER_ENTRY_MODULE", entry_module)):
            if value:
                env[variable] = value

    wired = sorted(set(tools.values()))
    definitions: list[dict[str, Any]] = []
    routes: dict[str, dict[str, str]] = {}
    for name in wired:
        url = f"{egress_url}/{agent}/{name}"
        env[f"TOOL_URL_{env_name(name)}"] = url
        for capability in registered_tools[name].capabilities:
            function = capability["function"]
            definitions.append({"type": "function", "function": {
                "name": function,
                "description": capability.get("description", ""),
                "parameters": capability.get("parameters") or {"type": "object", "properties": {}},
            }})
            routes[function] = {"tool": name, "method": capability["method"], "path": capability["path"]}
    for detected, registered in tools.items():
        env.setdefault(f"TOOL_URL_{env_name(detected)}", f"{egress_url}/{agent}/{registered}")
    env["TOOL_NAMES"] = ",".join(wired)
    env["TOOL_DEFINITIONS_JSON"] = json.dumps(definitions)
    env["TOOL_ROUTES_JSON"] = json.dumps(routes)
    return env
