"""The analyzer (reading the source) and the runtime's loader (looking at the loaded objects)
choose the same entry and adapter over the same example folders: both follow
runagents_contracts.entry_rules."""

from pathlib import Path
from typing import Any

import pytest

from runagents_analyzer.engine import analyze_tree

EXAMPLES = Path(__file__).parent / "examples"
STANDARD_LIBRARY = [("lambda_api", "lambda", "lambda_handler"), ("lambda_plain", "lambda", "handler"),
                    ("plain_handler", "handler", "handler"), ("main_message", "main", "main")]
FRAMEWORKS = [
    ("lg_context", "langgraph", "langgraph", "my_graph"),
    ("lg_project", "langgraph", "langgraph", "make_graph"),
    ("lg_functional", "langgraph", "langgraph", "workflow"),
    ("oai_module_agent", "openai_agents", "openai-agents", "assistant"),
    ("lc_create_agent", "langgraph", "langgraph", "agent"),
    ("lc_executor", "langchain03", "langchain", "executor"),
    ("crew_project", "crewai", "crewai", "ResearchCrew"),
]


def _agree(run_entry: Any, example: str, adapter: str, target: str, python: str | None = None,
           env: dict[str, str] | None = None) -> None:
    entry = analyze_tree(EXAMPLES / example).entry_point
    assert entry is not None and entry.takes_message, entry
    assert (entry.adapter, entry.target) == (adapter, target), entry
    # The runtime is told the file, module and target, and recognises the adapter itself.
    spec = {"file": entry.file, "module": entry.module, "target": entry.target}
    loaded = run_entry(example, spec, None, *([python] if python else []), *([env] if env else []))
    assert (loaded.get("adapter"), loaded.get("target")) == (adapter, target), loaded
    if not entry.reason.endswith("langgraph.json"):
        # Told only the file, it discovers the same target by the same rules.
        found = run_entry(example, {"file": entry.file, "module": entry.module}, None,
                          *([python] if python else []), *([env] if env else []))
        assert (found.get("adapter"), found.get("target")) == (adapter, target), found


@pytest.mark.parametrize(("example", "adapter", "target"), STANDARD_LIBRARY)
def test_analyzer_and_loader_agree_on_functions(run_entry: Any, example: str, adapter: str, target: str) -> None:
    _agree(run_entry, example, adapter, target)


@pytest.mark.frameworks
@pytest.mark.parametrize(("example", "environment", "adapter", "target"), FRAMEWORKS)
def test_analyzer_and_loader_agree_on_framework_objects(
        run_entry: Any, framework_python: Any, provider_env: dict[str, str], example: str, environment: str,
        adapter: str, target: str) -> None:
    _agree(run_entry, example, adapter, target, framework_python(environment), provider_env)
