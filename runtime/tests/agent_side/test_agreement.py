"""The analyzer (reading the source) and the runtime's loader (looking at the loaded objects)
choose the same entry and adapter over the same example folders: both follow
runagents_contracts.entry_rules."""

from typing import Any

import pytest

from runagents_analyzer.engine import analyze_tree
from runtime.tests.agent_side.fake_openai import FakeOpenAI
from runtime.tests.agent_side.framework_harness import EXAMPLES, framework_python, run_entry

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


def _agree(example: str, adapter: str, target: str, **child: Any) -> None:
    entry = analyze_tree(EXAMPLES / example).entry_point
    assert entry is not None and entry.takes_message, entry
    assert (entry.adapter, entry.target) == (adapter, target), entry
    # The runtime is told the file, module and target, and recognises the adapter itself.
    spec = {"file": entry.file, "module": entry.module, "target": entry.target}
    loaded = run_entry(example, spec, **child)
    assert (loaded.adapter, loaded.target) == (adapter, target), loaded
    if not entry.reason.endswith("langgraph.json"):
        # Told only the file, it discovers the same target by the same rules.
        found = run_entry(example, {"file": entry.file, "module": entry.module}, **child)
        assert (found.adapter, found.target) == (adapter, target), found


@pytest.mark.parametrize(("example", "adapter", "target"), STANDARD_LIBRARY)
def test_analyzer_and_loader_agree_on_functions(example: str, adapter: str, target: str) -> None:
    _agree(example, adapter, target)


@pytest.mark.frameworks
@pytest.mark.parametrize(("example", "environment", "adapter", "target"), FRAMEWORKS)
def test_analyzer_and_loader_agree_on_framework_objects(
        fake_model: FakeOpenAI, example: str, environment: str, adapter: str, target: str) -> None:
    _agree(example, adapter, target, python=framework_python(environment), model=fake_model)
