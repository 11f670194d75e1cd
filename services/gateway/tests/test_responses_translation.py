"""Translating Responses API requests to chat completions and back: pure functions, no server."""

from typing import Any

import pytest

from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.responses.output import response, response_shell, usage
from runagents_gateway.llm.responses.requests import chat_request
from runagents_gateway.llm.responses.stream import ResponseStream

from .conftest import RESPONSES_ECHO_TOOL


def test_a_string_input_and_instructions_become_system_and_user_messages() -> None:
    assert chat_request({"model": "m", "instructions": "Be brief.", "input": "Hi"}) == {
        "model": "m", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}


def test_function_calls_join_the_assistant_turn_before_them_and_outputs_become_tool_messages() -> None:
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": "Echo twice"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "On it."}]},
        {"type": "function_call", "call_id": "call_1", "name": "echo", "arguments": '{"m":1}', "id": "fc_1"},
        {"type": "function_call", "call_id": "call_2", "name": "echo", "arguments": '{"m":2}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "1"},
        {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "2"}]},
        {"type": "function_call", "call_id": "call_3", "name": "echo", "arguments": "{}"},
    ]

    assert chat_request({"model": "m", "input": items})["messages"] == [
        {"role": "user", "content": "Echo twice"},
        {"role": "assistant", "content": "On it.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "echo", "arguments": '{"m":1}'}},
            {"id": "call_2", "type": "function", "function": {"name": "echo", "arguments": '{"m":2}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "1"},
        {"role": "tool", "tool_call_id": "call_2", "content": "2"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_3", "type": "function", "function": {"name": "echo", "arguments": "{}"}}]},
    ]


def test_developer_messages_become_system_and_user_images_image_url_parts() -> None:
    items = [{"role": "developer", "content": "Rules."},
             {"role": "user", "content": [{"type": "input_text", "text": "What is this?"},
                                          {"type": "input_image", "image_url": "https://x.test/a.png",
                                           "detail": "low"}]}]

    assert chat_request({"model": "m", "input": items})["messages"] == [
        {"role": "system", "content": "Rules."},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                     {"type": "image_url", "image_url": {"url": "https://x.test/a.png",
                                                                         "detail": "low"}}]},
    ]


def test_tools_sampling_and_text_format_map_to_their_chat_counterparts() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    translated = chat_request({
        "model": "m", "input": "Hi", "tools": [RESPONSES_ECHO_TOOL], "tool_choice": "required",
        "parallel_tool_calls": False, "max_output_tokens": 99, "temperature": 0.5, "top_p": 0.8,
        "store": True, "include": ["message.output_text.logprobs"], "metadata": {"k": "v"}, "truncation": "auto",
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True},
                 "verbosity": "low"},
    })

    assert translated == {
        "model": "m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 99, "temperature": 0.5,
        "top_p": 0.8,
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema,
                                                                   "strict": True}},
        "tools": [{"type": "function", "function": {
            "name": "echo__echo", "description": RESPONSES_ECHO_TOOL["description"],
            "parameters": RESPONSES_ECHO_TOOL["parameters"], "strict": False}}],
        "tool_choice": "required", "parallel_tool_calls": False,
    }
    named = chat_request({"model": "m", "input": "Hi", "tools": [RESPONSES_ECHO_TOOL],
                          "tool_choice": {"type": "function", "name": "echo__echo"}})
    assert named["tool_choice"] == {"type": "function", "function": {"name": "echo__echo"}}
    assert chat_request({"model": "m", "input": "Hi", "text": {"format": {"type": "json_object"}}})[
        "response_format"] == {"type": "json_object"}


@pytest.mark.parametrize("fields, complaint", [
    ({"previous_response_id": "resp_1"}, "'previous_response_id' is not supported"),
    ({"conversation": "conv_1"}, "'conversation' is not supported"),
    ({"prompt": {"id": "pmpt_1"}}, "'prompt' is not supported"),
    ({"input": 5}, "'input'"),
    ({"input": [{"role": "critic", "content": "x"}]}, "input[0].role"),
    ({"input": [{"type": "computer_call_output"}]}, "'computer_call_output'"),
    ({"input": [{"role": "assistant", "content": [{"type": "input_image", "image_url": "u"}]}]}, "only user"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]}, "image_url"),
    ({"input": [{"type": "function_call", "call_id": "c", "name": "n", "arguments": {}}]}, "arguments"),
    ({"instructions": ["x"]}, "'instructions'"),
    ({"tools": [{"type": "function"}]}, "'name'"),
    ({"tools": [RESPONSES_ECHO_TOOL], "parallel_tool_calls": "yes"}, "parallel_tool_calls"),
])
def test_requests_the_translation_cannot_carry_are_400s_naming_the_problem(fields: dict[str, Any],
                                                                           complaint: str) -> None:
    with pytest.raises(LlmError) as raised:
        chat_request({"model": "m", "input": "Hi", **fields})

    assert raised.value.status == 400
    assert complaint in raised.value.message


SHELL = response_shell({"model": "m", "tools": [RESPONSES_ECHO_TOOL], "instructions": "Be brief.",
                        "max_output_tokens": 20}, response_id="resp_1", model="m")


def completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {"object": "chat.completion", "model": "m-2024",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": 3},
                      "completion_tokens_details": {"reasoning_tokens": 2}}}


def test_completion_becomes_a_response_with_message_and_function_call_items() -> None:
    answer = response(SHELL, completion({"content": "Calling.", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "echo__echo", "arguments": "{}"}}]}, "tool_calls"))

    assert (answer["id"], answer["object"], answer["status"], answer["model"]) == ("resp_1", "response",
                                                                                   "completed", "m-2024")
    assert answer["instructions"] == "Be brief."
    assert answer["tools"] == [{"type": "function", "name": "echo__echo",
                                "description": RESPONSES_ECHO_TOOL["description"],
                                "parameters": RESPONSES_ECHO_TOOL["parameters"], "strict": False}]
    message, call = answer["output"]
    assert message["content"] == [{"type": "output_text", "text": "Calling.", "annotations": [], "logprobs": []}]
    assert (message["type"], message["role"], message["status"]) == ("message", "assistant", "completed")
    assert {key: call[key] for key in ("type", "call_id", "name", "arguments", "status")} == {
        "type": "function_call", "call_id": "call_1", "name": "echo__echo", "arguments": "{}", "status": "completed"}
    assert answer["usage"] == {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 3, "cache_write_tokens": 0},
                               "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 2},
                               "total_tokens": 13}


def test_completion_cut_at_the_token_limit_is_an_incomplete_response() -> None:
    answer = response(SHELL, completion({"content": "Once upon"}, "length"))

    assert answer["status"] == "incomplete"
    assert answer["incomplete_details"] == {"reason": "max_output_tokens"}
    assert answer["output"][0]["status"] == "incomplete"


def test_missing_usage_counts_zero() -> None:
    assert usage(None)["total_tokens"] == 0


def chunk(delta: dict[str, Any] | None = None, finish_reason: str | None = None,
          usage_: dict[str, Any] | None = None) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    return {"object": "chat.completion.chunk", "model": "m-2024", "choices": choices, "usage": usage_}


def translate(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stream = ResponseStream(SHELL)
    events = stream.start()
    for piece in chunks:
        events.extend(stream.feed(piece))
    return events + stream.finish()


def test_text_then_function_call_stream_in_the_responses_event_sequence() -> None:
    events = translate([
        chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo"}),
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "echo__echo", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"m"'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]}),
        chunk({}, "tool_calls"), chunk(usage_={"prompt_tokens": 5, "completion_tokens": 6}),
    ])

    assert [event["type"] for event in events] == [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed"]
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert events[6]["text"] == "Hello"
    assert events[9]["output_index"] == 1
    assert events[12]["arguments"] == '{"m":1}'
    completed = events[-1]["response"]
    assert completed["status"] == "completed"
    assert completed["model"] == "m-2024"
    assert [item["type"] for item in completed["output"]] == ["message", "function_call"]
    assert completed["output"][0]["id"] == events[2]["item"]["id"] == events[4]["item_id"]
    assert completed["output"][1]["arguments"] == '{"m":1}'
    assert completed["usage"]["total_tokens"] == 11
    assert events[0]["response"]["status"] == "in_progress" and events[0]["response"]["output"] == []


def test_stream_cut_at_the_token_limit_ends_with_response_incomplete() -> None:
    events = translate([chunk({"content": "Once upon"}), chunk({}, "length")])

    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert events[-2]["item"]["status"] == "incomplete"


def test_failure_event_continues_the_sequence() -> None:
    stream = ResponseStream(SHELL)
    started = stream.start()

    failure = stream.failed("upstream_timeout", "Model provider 'x' did not answer in time.")

    assert failure == {"type": "error", "sequence_number": len(started), "code": "upstream_timeout",
                       "message": "Model provider 'x' did not answer in time.", "param": None}
