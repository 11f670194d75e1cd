"""The framework adapters with the frameworks' real packages (virtualenvs under .cache/fwenvs,
built from framework_harness.ENVIRONMENTS): graphs, projects and src layouts loaded as `python -m`
would import them."""

from typing import Any

import pytest

from runtime.tests.agent_side.fake_openai import FakeOpenAI
from runtime.tests.agent_side.framework_harness import framework_python, run_entry

pytestmark = pytest.mark.frameworks
TURN = {"message": "hello there", "history": [], "context": {}, "stream": False}


def test_a_langgraph_graph_with_an_async_node_gets_its_context_schema_defaults() -> None:
    result = run_entry("lg_context", {"file": "graph.py"}, [TURN], python=framework_python("langgraph"))
    assert (result.adapter, result.target) == ("langgraph", "my_graph")
    assert result.events == [{"type": "answer", "text": "Hi, you said: hello there"}]


def test_a_langgraph_project_loads_the_factory_named_in_langgraph_json_from_its_src_layout() -> None:
    spec = {"file": "src/agent/graph.py", "adapter": "langgraph", "target": "make_graph", "module": "agent.graph"}
    result = run_entry("lg_project", spec, [{**TURN, "stream": True}], python=framework_python("langgraph"))
    assert (result.adapter, result.target) == ("langgraph", "make_graph")
    assert result.events[-1] == {"type": "answer", "text": "graph answered: hello there"}


def test_a_langgraph_functional_entrypoint_gets_the_messages_and_answers_its_return_value() -> None:
    result = run_entry("lg_functional", {"file": "flow.py"}, [TURN], python=framework_python("langgraph"))
    assert (result.adapter, result.target) == ("langgraph", "workflow")
    assert result.events == [{"type": "answer", "text": "functional: hello there"}]


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_module_level_openai_agents_sdk_agent_runs_through_the_runner(
        fake_model: FakeOpenAI, stream: bool) -> None:
    result = run_entry("oai_module_agent", {"file": "agent.py"}, [{**TURN, "stream": stream}],
                       python=framework_python("openai_agents"), model=fake_model)
    assert (result.adapter, result.target) == ("openai-agents", "assistant")
    events = result.events
    # The fake model calls the shout tool with the message, then answers with what the tool said.
    assert events[-1] == {"type": "answer", "text": "tool said: HELLO THERE"}
    if stream:
        assert [e for e in events if e["type"] in ("tool_call", "tool_result")] == [
            {"type": "tool_call", "id": "call_1", "name": "shout", "arguments": '{"text": "hello there"}'},
            {"type": "tool_result", "id": "call_1", "name": "shout", "content": "HELLO THERE"},
        ]
        deltas = [e["delta"] for e in events if e["type"] == "content"]
        assert len(deltas) >= 2 and "".join(deltas) == "tool said: HELLO THERE"


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_langchain_create_agent_runs_as_the_langgraph_graph_it_is(
        fake_model: FakeOpenAI, stream: bool) -> None:
    result = run_entry("lc_create_agent", {"file": "agent.py"}, [{**TURN, "stream": stream}],
                       python=framework_python("langgraph"), model=fake_model)
    assert (result.adapter, result.target) == ("langgraph", "agent")
    events = result.events
    assert events[-1] == {"type": "answer", "text": "tool said: HELLO THERE"}
    calls = [e for e in events if e["type"] in ("tool_call", "tool_result")]
    assert [(e["type"], e["name"]) for e in calls] == [("tool_call", "shout"), ("tool_result", "shout")], events
    if stream:
        deltas = [e["delta"] for e in events if e["type"] == "content"]
        assert len(deltas) >= 2 and "".join(deltas) == "tool said: HELLO THERE", events


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_langchain_agent_executor_is_called_with_input_and_answers_its_output(
        fake_model: FakeOpenAI, stream: bool) -> None:
    result = run_entry("lc_executor", {"file": "agent.py"}, [{**TURN, "stream": stream}],
                       python=framework_python("langchain03"), model=fake_model)
    # The executor wraps the agent: it is the entry.
    assert (result.adapter, result.target) == ("langchain", "executor")
    events = result.events
    assert events[-1] == {"type": "answer", "text": "tool said: HELLO THERE"}
    if stream:
        # The executor's steps: the action (tool call) and its observation, then the output.
        assert [(e["type"], e.get("name")) for e in events[:-1]] == [
            ("tool_call", "shout"), ("tool_result", "shout"), ("content", None)], events
        assert events[1]["content"] == "HELLO THERE" and events[0]["id"] == events[1]["id"] == "call_1"


def test_a_crewai_create_project_kicks_off_its_crewbase_class_with_the_inputs_its_templates_name(
        fake_model: FakeOpenAI) -> None:
    spec = {"file": "src/research_crew/crew.py", "target": "ResearchCrew", "module": "research_crew.crew"}
    result = run_entry("crew_project", spec, [TURN], python=framework_python("crewai"), model=fake_model)
    assert (result.adapter, result.target) == ("crewai", "ResearchCrew")
    answer = result.events[-1]
    # The fake model echoes the task prompt: {topic} became the user's message.
    assert answer["type"] == "answer" and "Conduct a thorough research about hello there" in answer["text"], answer


def test_an_agent_whose_instructions_read_a_typed_context_gets_one_built_from_its_type(
        fake_model: FakeOpenAI) -> None:
    # Without a context, the instructions would read `.voice` of None and the run would fail.
    result = run_entry("oai_context_agent", {"file": "agent.py"}, [TURN], python=framework_python("openai_agents"),
                       model=fake_model)
    assert (result.adapter, result.target) == ("openai-agents", "agent")
    assert result.events == [{"type": "answer", "text": "fake answer: hello there"}]
