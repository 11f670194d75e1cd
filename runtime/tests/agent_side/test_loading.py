"""load_entry and the standard-library adapters, in a `python -I` child with nothing but the agent side."""

from runtime.tests.agent_side.framework_harness import run_entry

TURN = {"message": "hello there", "history": [{"role": "user", "content": "before"},
                                              {"role": "assistant", "content": "earlier answer"}],
        "context": {"tools": {"echo": "http://echo"}}, "stream": False}


def test_a_lambda_handler_that_reads_the_body_gets_an_api_gateway_event_and_answers_with_its_reply() -> None:
    result = run_entry("lambda_api", {"file": "api.py"}, [TURN])
    assert (result.adapter, result.target) == ("lambda", "lambda_handler")
    assert result.events == [{"type": "answer", "text": "lambda got: hello there"}]


def test_handler_gets_the_request_and_a_context_with_attribute_access() -> None:
    result = run_entry("plain_handler", {"file": "agent.py"}, [TURN])
    assert (result.adapter, result.target) == ("handler", "handler")
    assert result.events == [{"type": "answer", "text": "hello there / tools=['echo'] / history=2"}]


def test_a_streamed_turn_of_an_adapter_without_tokens_gets_its_answer_as_one_delta() -> None:
    result = run_entry("main_message", {"file": "main.py"}, [{**TURN, "stream": True}])
    assert result.adapter == "main"
    assert result.events == [{"type": "content", "delta": "main got: hello there"},
                                {"type": "answer", "text": "main got: hello there"}]


def test_a_missing_target_names_the_module_and_the_names_it_has() -> None:
    result = run_entry("main_message", {"file": "main.py", "target": "agent"}, None)
    assert "main" in result.error and "'agent'" in result.error, result


def test_a_module_without_an_entry_says_what_would_work() -> None:
    result = run_entry("lg_project", {"file": "src/agent/state.py"}, None)
    assert "no entry found in src/agent/state.py" in result.error and "def handler(request)" in result.error


def test_an_import_error_names_the_missing_module() -> None:
    # The standard-library child has no langgraph: the error says which import failed.
    result = run_entry("lg_context", {"file": "graph.py"}, None)
    assert "no module named 'langchain_core'" in result.error, result


def test_a_lambda_handler_named_handler_that_reads_no_body_gets_the_message_as_its_event() -> None:
    result = run_entry("lambda_plain", {"file": "function.py"}, [{**TURN, "stream": True}])
    # handler(event, context): the parameter names say it is written for Lambda, not the platform.
    assert (result.adapter, result.target) == ("lambda", "handler")
    assert result.events == [{"type": "content", "delta": "HELLO THERE"}, {"type": "answer", "text": "HELLO THERE"}]


def test_a_generator_handler_streams_each_piece_and_answers_with_them_joined() -> None:
    result = run_entry("streaming_handler", {"file": "agent.py"}, [{**TURN, "stream": True}])
    assert result.events == [{"type": "content", "delta": "hello "}, {"type": "content", "delta": "there "},
                                {"type": "answer", "text": "hello there "}]
