"""Translating chat completions to Anthropic's Messages API and back, for providers of kind
``anthropic``: pure functions, no server."""

from typing import Any

import pytest

from runagents_gateway.llm.anthropic.mappings import (
    FINISH_REASONS,
    STOP_REASONS,
    anthropic_usage,
    chat_usage,
    image_source_of,
    image_url_of,
)
from runagents_gateway.llm.anthropic_upstream.answers import chat_completion
from runagents_gateway.llm.anthropic_upstream.kind import messages_url
from runagents_gateway.llm.anthropic_upstream.requests import messages_request
from runagents_gateway.llm.anthropic_upstream.stream import ChunkStream
from runagents_gateway.llm.errors import LlmError

from .conftest import ECHO_TOOL

HELLO = [{"role": "user", "content": "Hi"}]


def translated(**fields: Any) -> dict[str, Any]:
    return messages_request({"model": "alias", "messages": HELLO, **fields}, "claude-haiku-4-5", stream=False)


def test_max_tokens_defaults_and_max_completion_tokens_wins() -> None:
    assert translated()["max_tokens"] == 4096
    assert translated(max_tokens=10)["max_tokens"] == 10
    assert translated(max_tokens=10, max_completion_tokens=20)["max_tokens"] == 20
    assert translated()["model"] == "claude-haiku-4-5"


def test_temperature_above_anthropic_s_range_is_sent_as_its_highest() -> None:
    assert translated(temperature=1.7)["temperature"] == 1.0
    assert translated(temperature=0.2)["temperature"] == 0.2


def test_tool_messages_in_a_row_and_the_user_text_after_them_are_one_user_turn() -> None:
    body = translated(messages=[
        {"role": "user", "content": "Echo twice"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "echo", "arguments": '{"message": "a"}'}},
            {"id": "call.2", "type": "function", "function": {"name": "echo", "arguments": "not json"}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "a"}]},
        {"role": "tool", "tool_call_id": "call.2", "content": ""},
        {"role": "user", "content": "Both done?"},
        {"role": "user", "content": ""},
    ])

    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Echo twice"}]},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_1", "name": "echo", "input": {"message": "a"}},
            {"type": "tool_use", "id": "call_2", "name": "echo", "input": {"_raw_arguments": "not json"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "a"},
            {"type": "tool_result", "tool_use_id": "call_2"},
            {"type": "text", "text": "Both done?"},
        ]},
    ]


def test_tools_and_tool_choice_are_anthropic_s() -> None:
    bare = {"type": "function", "function": {"name": "now"}}
    body = translated(tools=[ECHO_TOOL, bare], tool_choice="required", parallel_tool_calls=False)

    assert body["tools"] == [
        {"name": "echo__echo", "description": ECHO_TOOL["function"]["description"],
         "input_schema": ECHO_TOOL["function"]["parameters"]},
        {"name": "now", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    assert translated(tools=[ECHO_TOOL], tool_choice="none", parallel_tool_calls=False)["tool_choice"] == \
        {"type": "none"}
    assert "tool_choice" not in translated(tool_choice="auto")  # no tools: Anthropic refuses a choice among none


def test_json_object_response_format_is_asked_in_the_system_text() -> None:
    body = translated(messages=[{"role": "system", "content": "Be brief."}, *HELLO],
                      response_format={"type": "json_object"})

    assert body["system"] == "Be brief.\n\nAnswer with one JSON object and nothing else: no prose, no code fences."
    assert "system" not in translated(response_format={"type": "text"})


@pytest.mark.parametrize("fields", [
    {"n": 2},
    {"messages": []},
    {"messages": [{"role": "function", "name": "f", "content": "x"}]},
    {"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "f"}}]}]},
    {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}]},
    {"tools": [{"type": "custom", "custom": {"name": "x"}}]},
    {"tool_choice": "sometimes", "tools": [ECHO_TOOL]},
    {"stop": 3},
    {"max_tokens": 0},
    {"response_format": {"type": "json_schema"}},
])
def test_what_anthropic_cannot_take_is_a_400(fields: dict[str, Any]) -> None:
    with pytest.raises(LlmError) as raised:
        translated(**fields)

    assert raised.value.status == 400


def test_message_becomes_a_chat_completion_without_its_thinking() -> None:
    completion = chat_completion({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "text", "text": "Let me "}, {"type": "text", "text": "check."},
            {"type": "tool_use", "id": "toolu_1", "name": "echo", "input": {"message": "é"}},
        ],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 3, "cache_read_input_tokens": 5,
                  "output_tokens": 7},
    }, "fallback-name")

    assert completion["id"] == "msg_1"
    assert completion["object"] == "chat.completion"
    assert completion["model"] == "claude-haiku-4-5-20251001"
    assert completion["choices"] == [{"index": 0, "logprobs": None, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": "Let me check.", "refusal": None,
        "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "echo",
                                                                           "arguments": '{"message":"é"}'}}]}}]
    assert completion["usage"] == {"prompt_tokens": 18, "completion_tokens": 7, "total_tokens": 25,
                                   "prompt_tokens_details": {"cached_tokens": 5}}


@pytest.mark.parametrize(("stop_reason", "finish_reason"), [
    ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
    ("refusal", "content_filter"), ("pause_turn", "stop"), ("model_context_window_exceeded", "length"),
    (None, "stop"),
])
def test_stop_reasons_become_finish_reasons(stop_reason: str | None, finish_reason: str) -> None:
    message: dict[str, Any] = {"type": "message", "content": [], "stop_reason": stop_reason, "usage": {}}

    assert chat_completion(message, "m")["choices"][0]["finish_reason"] == finish_reason


def test_the_two_stop_reason_tables_are_each_other_s_reverse() -> None:
    for finish_reason, stop_reason in FINISH_REASONS.items():
        assert STOP_REASONS[stop_reason] in (finish_reason, "tool_calls")


def test_usage_survives_the_round_trip_through_chat_completions() -> None:
    usage = {"input_tokens": 10, "cache_read_input_tokens": 5, "cache_creation_input_tokens": 0, "output_tokens": 7}

    assert anthropic_usage(chat_usage(usage)) == usage


@pytest.mark.parametrize("url", ["data:image/png;base64,iVBORw0KGgo=", "https://example.com/a.jpg"])
def test_images_survive_the_round_trip(url: str) -> None:
    assert image_url_of(image_source_of(url)) == url


def test_messages_url_defaults_to_anthropic_and_takes_a_base_with_v1() -> None:
    assert messages_url(None) == "https://api.anthropic.com/v1/messages"
    assert messages_url("https://proxy.example/anthropic/") == "https://proxy.example/anthropic/v1/messages"
    assert messages_url("https://api.anthropic.com/v1") == "https://api.anthropic.com/v1/messages"


def test_stream_events_become_chunks_of_one_completion() -> None:
    stream = ChunkStream("fallback-name")
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [],
                                              "model": "claude-haiku-4-5-20251001", "stop_reason": None,
                                              "usage": {"input_tokens": 20, "cache_read_input_tokens": 2,
                                                        "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Sure."}},
        {"type": "content_block_start", "index": 2,
         "content_block": {"type": "tool_use", "id": "toolu_1", "name": "echo", "input": {}}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": '{"a":'}},
        {"type": "content_block_start", "index": 3,
         "content_block": {"type": "tool_use", "id": "toolu_2", "name": "echo", "input": {}}},
        {"type": "content_block_delta", "index": 3, "delta": {"type": "input_json_delta", "partial_json": "{}"}},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"output_tokens": 12, "input_tokens": None}},
    ]
    chunks = [chunk for event in events for chunk in stream.feed(event)]

    assert not stream.finished
    [last] = stream.feed({"type": "message_stop"})
    assert stream.finished
    deltas = [(chunk["choices"][0]["delta"], chunk["choices"][0]["finish_reason"]) for chunk in chunks]
    assert deltas == [
        ({"role": "assistant", "content": ""}, None),
        ({"content": "Sure."}, None),
        ({"tool_calls": [{"index": 0, "id": "toolu_1", "type": "function",
                          "function": {"name": "echo", "arguments": ""}}]}, None),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}, None),
        ({"tool_calls": [{"index": 1, "id": "toolu_2", "type": "function",
                          "function": {"name": "echo", "arguments": ""}}]}, None),
        ({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}, None),
        ({}, "tool_calls"),
    ]
    assert {(c["id"], c["created"], c["model"], c["object"]) for c in [*chunks, last]} == {
        ("msg_1", chunks[0]["created"], "claude-haiku-4-5-20251001", "chat.completion.chunk")}
    assert last["choices"] == []
    assert last["usage"] == {"prompt_tokens": 22, "completion_tokens": 12, "total_tokens": 34,
                             "prompt_tokens_details": {"cached_tokens": 2}}


def test_stream_stop_sequence_is_told_as_vllm_tells_it() -> None:
    stream = ChunkStream("m")
    [chunk] = stream.feed({"type": "message_delta", "delta": {"stop_reason": "stop_sequence", "stop_sequence": "END"},
                           "usage": {"output_tokens": 3}})

    assert chunk["choices"][0]["finish_reason"] == "stop"
    assert chunk["choices"][0]["stop_reason"] == "END"
