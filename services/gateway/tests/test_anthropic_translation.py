"""Translating Anthropic Messages to chat completions and back: pure functions, no server."""

import json
from typing import Any

import pytest

from runagents_gateway.llm.anthropic.messages import message, stop_of, usage
from runagents_gateway.llm.anthropic.requests import chat_request
from runagents_gateway.llm.anthropic.stream import MessageStream
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.requests import tool_input

from .conftest import ANTHROPIC_ECHO_TOOL


def request(**fields: Any) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}], **fields}


def test_system_text_blocks_become_one_leading_system_message() -> None:
    cached = {"type": "text", "text": "Two.", "cache_control": {"type": "ephemeral"}}
    translated = chat_request(request(system=[{"type": "text", "text": "One."}, cached]))

    assert translated["messages"] == [{"role": "system", "content": "One.\nTwo."}, {"role": "user", "content": "Hi"}]
    assert translated["max_tokens"] == 10


def test_tool_results_become_tool_messages_ahead_of_the_rest_of_the_user_turn() -> None:
    turn = [
        {"role": "user", "content": "Echo twice"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "Calling."},
            {"type": "tool_use", "id": "toolu_1", "name": "echo", "input": {"message": "a"}},
            {"type": "tool_use", "id": "toolu_2", "name": "echo", "input": {}},
        ]},
        {"role": "user", "content": [
            {"type": "text", "text": "Both done?"},
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": True,
             "content": [{"type": "text", "text": "boom"}]},
        ]},
    ]

    assert chat_request(request(messages=turn))["messages"] == [
        {"role": "user", "content": "Echo twice"},
        {"role": "assistant", "content": "Calling.", "tool_calls": [
            {"id": "toolu_1", "type": "function", "function": {"name": "echo", "arguments": '{"message":"a"}'}},
            {"id": "toolu_2", "type": "function", "function": {"name": "echo", "arguments": "{}"}},
        ]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "a"},
        {"role": "tool", "tool_call_id": "toolu_2", "content": "Error: boom"},
        {"role": "user", "content": "Both done?"},
    ]


def test_images_become_image_url_parts_and_tool_result_images_follow_in_a_user_message() -> None:
    png = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0"}}
    turn = [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "shot"}, png]},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]}]

    assert chat_request(request(messages=turn))["messages"] == [
        {"role": "tool", "tool_call_id": "toolu_1", "content": "shot"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        ]},
    ]


@pytest.mark.parametrize("choice, expected", [
    ({"type": "auto"}, {"tool_choice": "auto"}),
    ({"type": "any"}, {"tool_choice": "required"}),
    ({"type": "none"}, {"tool_choice": "none"}),
    ({"type": "tool", "name": "echo__echo"}, {"tool_choice": {"type": "function", "function": {"name": "echo__echo"}}}),
    ({"type": "auto", "disable_parallel_tool_use": True}, {"tool_choice": "auto", "parallel_tool_calls": False}),
])
def test_tool_choice_maps_to_its_chat_counterpart(choice: dict[str, Any], expected: dict[str, Any]) -> None:
    translated = chat_request(request(tools=[ANTHROPIC_ECHO_TOOL], tool_choice=choice))

    assert {key: translated[key] for key in expected} == expected
    assert translated["tools"][0]["function"]["parameters"] == ANTHROPIC_ECHO_TOOL["input_schema"]


def test_sampling_stop_sequences_and_structured_output_carry_over_and_the_rest_is_left_out() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    translated = chat_request(request(temperature=0.3, top_p=0.9, top_k=4, stop_sequences=["END"],
                                      metadata={"user_id": "u"}, thinking={"type": "enabled", "budget_tokens": 9},
                                      tool_choice={"type": "any"},
                                      output_config={"format": {"type": "json_schema", "schema": schema}}))

    assert translated == {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}],
                          "temperature": 0.3, "top_p": 0.9, "stop": ["END"],
                          "response_format": {"type": "json_schema", "json_schema": {"name": "output",
                                                                                     "schema": schema}}}


@pytest.mark.parametrize("fields, complaint", [
    ({"max_tokens": 0}, "'max_tokens'"),
    ({"model": ""}, "'model'"),
    ({"system": 5}, "'system'"),
    ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "messages[0].content[0]"),
    ({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "x", "name": "t", "input": [1]}]}]},
     "messages[0].content[0].input"),
    ({"messages": [{"role": "user", "content": [{"type": "tool_result"}]}]}, "tool_use_id"),
    ({"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "file", "file_id": "f"}}]}]},
     "base64 or url"),
    ({"tools": [{"name": "t"}]}, "input_schema"),
    ({"tools": [ANTHROPIC_ECHO_TOOL], "tool_choice": {"type": "tool"}}, "tool_choice"),
    ({"stop_sequences": "END"}, "stop_sequences"),
    ({"temperature": "hot"}, "temperature"),
])
def test_requests_the_translation_cannot_carry_are_400s_naming_the_problem(fields: dict[str, Any],
                                                                           complaint: str) -> None:
    with pytest.raises(LlmError) as raised:
        chat_request(request(**fields))

    assert raised.value.status == 400
    assert complaint in raised.value.message


def completion(message_fields: dict[str, Any], finish_reason: str, **choice: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", **message_fields},
                         "finish_reason": finish_reason, **choice}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 20}}}


def test_completion_with_text_and_tool_calls_becomes_text_and_tool_use_blocks() -> None:
    answer = completion({"content": "Let me check.", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "echo", "arguments": '{"message": "hi"}'}}]},
        "tool_calls")

    assert message(answer, message_id="msg_1", model="asked", stop_sequences=[]) == {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "gpt-4o-mini",
        "content": [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "call_1", "name": "echo", "input": {"message": "hi"}}],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 7, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 20},
    }


@pytest.mark.parametrize("finish_reason, matched, tools, expected", [
    ("stop", None, False, ("end_turn", None)),
    ("length", None, False, ("max_tokens", None)),
    ("length", None, True, ("max_tokens", None)),
    ("tool_calls", None, True, ("tool_use", None)),
    ("stop", None, True, ("tool_use", None)),
    ("content_filter", None, False, ("refusal", None)),
    ("stop", "END", False, ("stop_sequence", "END")),
    ("stop", "OTHER", False, ("end_turn", None)),
    (None, None, False, ("end_turn", None)),
])
def test_stop_reason_follows_the_finish_reason(finish_reason: str | None, matched: str | None, tools: bool,
                                               expected: tuple[str, str | None]) -> None:
    assert stop_of(finish_reason, matched, has_tool_calls=tools, stop_sequences=["END"]) == expected


def test_tool_arguments_that_are_no_json_object_are_kept_not_dropped() -> None:
    assert tool_input("") == {}
    assert tool_input('{"a": 1}') == {"a": 1}
    assert tool_input('{"a": 1') == {"_raw_arguments": '{"a": 1'}
    assert tool_input("[1]") == {"_raw_arguments": "[1]"}


def test_missing_usage_counts_zero() -> None:
    assert usage(None) == {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 0}


def chunk(delta: dict[str, Any] | None = None, finish_reason: str | None = None,
          usage_: dict[str, Any] | None = None) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    return {"object": "chat.completion.chunk", "choices": choices, "usage": usage_}


def translate(chunks: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    stream = MessageStream("msg_1", "gpt-4o-mini", ["END"])
    events = stream.start()
    for piece in chunks:
        events.extend(stream.feed(piece))
    return events + stream.finish()


def test_text_then_tool_call_stream_as_two_blocks_each_started_and_stopped() -> None:
    events = translate([
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}), chunk({"content": "lo"}),
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                               "function": {"name": "echo", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"message":'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"hi"}'}}]}),
        chunk({}, "tool_calls"),
        chunk(usage_={"prompt_tokens": 12, "completion_tokens": 5}),
    ])

    assert [name for name, _ in events] == [
        "message_start", "ping",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop"]
    assert events[0][1]["message"]["model"] == "gpt-4o-mini"
    assert events[2][1] == {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    assert events[4][1]["delta"] == {"type": "text_delta", "text": "lo"}
    assert events[6][1]["content_block"] == {"type": "tool_use", "id": "call_1", "name": "echo", "input": {}}
    assert [data["delta"]["partial_json"] for name, data in events[7:9]] == ['{"message":', '"hi"}']
    assert all(data["index"] == 1 for _, data in events[6:10])
    assert events[10][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert events[10][1]["usage"]["input_tokens"] == 12
    assert events[10][1]["usage"]["output_tokens"] == 5


def test_tool_calls_sharing_index_zero_with_new_ids_become_separate_blocks() -> None:
    events = translate([
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "function": {"name": "a", "arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "call_b", "function": {"name": "b", "arguments": "{}"}}]}),
        chunk({}, "tool_calls"),
    ])

    starts = [data["content_block"] for name, data in events if name == "content_block_start"]
    assert [(block["id"], block["name"]) for block in starts] == [("call_a", "a"), ("call_b", "b")]
    stops = [data["index"] for name, data in events if name == "content_block_stop"]
    assert stops == [0, 1]


def test_parallel_tool_calls_at_their_own_indexes_become_blocks_in_order() -> None:
    events = translate([
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "function": {"name": "a", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":1}'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "b", "arguments": '{"y":'}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": "2}"}}]}),
        chunk({}, "tool_calls"),
    ])

    deltas = [(data["index"], data["delta"]["partial_json"]) for name, data in events if name == "content_block_delta"]
    assert deltas == [(0, '{"x":1}'), (1, '{"y":'), (1, "2}")]


def test_stream_cut_short_ends_with_max_tokens_and_an_empty_answer_with_no_blocks() -> None:
    cut = translate([chunk({"content": "Once upon"}), chunk({}, "length")])
    empty = translate([chunk({"role": "assistant", "content": ""}), chunk({}, "stop")])

    assert cut[-2][1]["delta"]["stop_reason"] == "max_tokens"
    assert [name for name, _ in empty] == ["message_start", "ping", "message_delta", "message_stop"]
    assert json.dumps(empty)  # every event is plain JSON
