"""The framework adapters with the frameworks' real packages (virtualenvs under .cache/fwenvs,
built by build_envs.sh): graphs, projects and src layouts loaded as `python -m` would import them."""

from typing import Any

import pytest

pytestmark = pytest.mark.frameworks
TURN = {"message": "hello there", "history": [], "context": {}, "stream": False}


def test_a_langgraph_graph_with_an_async_node_gets_its_context_schema_defaults(
        run_entry: Any, framework_python: Any) -> None:
    result = run_entry("lg_context", {"file": "graph.py"}, TURN, framework_python("langgraph"))
    assert (result["adapter"], result["target"]) == ("langgraph", "my_graph")
    assert result["events"] == [{"type": "answer", "text": "Hi, you said: hello there"}]


def test_a_langgraph_project_loads_the_factory_named_in_langgraph_json_from_its_src_layout(
        run_entry: Any, framework_python: Any) -> None:
    spec = {"file": "src/agent/graph.py", "adapter": "langgraph", "target": "make_graph", "module": "agent.graph"}
    result = run_entry("lg_project", spec, {**TURN, "stream": True}, framework_python("langgraph"))
    assert (result["adapter"], result["target"]) == ("langgraph", "make_graph")
    assert result["events"][-1] == {"type": "answer", "text": "graph answered: hello there"}
