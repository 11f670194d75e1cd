"""The framework adapters and rendering are standard library only, and recognise objects by their type."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

RUNTIME_SRC = Path(__file__).resolve().parents[2] / "src"

MODULES = ["llamaindex", "pydantic_ai", "smolagents", "autogen", "agno", "google_adk"]

_PROBE = textwrap.dedent(
    """
    import importlib, sys, types
    sys.path.insert(0, sys.argv[1])
    before = set(sys.modules)
    adapter = importlib.import_module("runagents_runtime.agent_side.adapters." + sys.argv[2])
    importlib.import_module("runagents_runtime.agent_side.rendering")
    loaded = {name.split(".")[0] for name in set(sys.modules) - before}
    outside = sorted(name for name in loaded if name != "runagents_runtime" and name not in sys.stdlib_module_names)
    assert not outside, outside

    # a look-alike: the same class names under another package are not the framework's
    def fake(module, *names):
        base = object
        for name in names:
            base = type(name, (base,), {"__module__": module})
        return base()
    assert not adapter.recognizes(object())
    assert not adapter.recognizes(fake("my_agents.agent", "Agent", "AgentWorkflow", "CodeAgent", "AssistantAgent"))
    real = {
        "llamaindex": fake("llama_index.core.agent.workflow.function_agent", "BaseWorkflowAgent", "FunctionAgent"),
        "pydantic_ai": fake("pydantic_ai.agent", "Agent"),
        "smolagents": fake("smolagents.agents", "MultiStepAgent", "CodeAgent"),
        "autogen": fake("autogen_agentchat.teams._group_chat", "BaseGroupChat", "SelectorGroupChat"),
        "agno": fake("agno.team.team", "Team"),
        "google_adk": fake("google.adk.agents.sequential_agent", "BaseAgent", "SequentialAgent"),
    }[sys.argv[2]]
    assert adapter.recognizes(real)
    assert callable(adapter.bind(real))
    print("ok")
    """
)


@pytest.mark.parametrize("module", MODULES)
def test_each_adapter_imports_with_the_standard_library_only(module: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _PROBE, str(RUNTIME_SRC), module], capture_output=True, text=True
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"


def test_google_adk_is_told_from_other_google_packages() -> None:
    from runagents_runtime.agent_side.adapters import google_adk

    other = type("Agent", (), {"__module__": "google.genai.agents"})()
    assert not google_adk.recognizes(other)
