"""The framework suite's own agents (tests/frameworks/agents), loaded by the entry their analysis
names and run for one turn through their adapter, against the fake provider and its echo route:
what the end-to-end suite checks through the platform, checked here without it."""

import json
from pathlib import Path

import pytest

from runagents_analyzer.engine import analyze_tree
from runtime.tests.agent_side.fake_openai import FakeOpenAI
from runtime.tests.agent_side.framework_harness import framework_python, run_entry

pytestmark = pytest.mark.frameworks
SUITE_AGENTS = Path(__file__).resolve().parents[3] / "tests" / "frameworks" / "agents"
# The OpenAI Agents SDK agents call the Responses API (the SDK's default), which the platform's
# gateway translates and this fake does not serve: examples/oai_module_agent covers that adapter.
CASES = [
    ("langgraph_async_context", "langgraph"),
    ("langgraph_project", "langgraph"),
    ("langgraph_graph", "langgraph"),
    ("langchain_create_agent", "langgraph"),
    ("langchain_executor", "langchain03"),
    ("crewai_project", "crewai"),
    ("crewai_crew", "crewai"),
    ("lambda_handler", "langgraph"),
]


@pytest.mark.parametrize(("key", "environment"), CASES)
def test_the_suite_agent_answers_with_what_the_echo_tool_returned(
        fake_model: FakeOpenAI, key: str, environment: str) -> None:
    folder = SUITE_AGENTS / key
    entry = analyze_tree(folder).entry_point
    assert entry is not None and entry.takes_message
    spec = {"file": entry.file, "adapter": entry.adapter, "target": entry.target, "module": entry.module}
    turn = {"message": "Please echo this message: token-42", "history": [], "context": {}, "stream": False}
    result = run_entry(folder, spec, [turn], python=framework_python(environment), model=fake_model)
    assert (result.adapter, result.target) == (entry.adapter, entry.target), result
    answer = result.events[-1]
    assert answer["type"] == "answer", result
    # The fake model passes the whole message to the tool; the echo route's JSON proves it was called.
    start = answer["text"].find('{"echo"')
    assert start >= 0, answer
    echoed, _ = json.JSONDecoder().raw_decode(answer["text"], start)
    assert "token-42" in echoed["echo"] and echoed["length"] == len(echoed["echo"]), answer
