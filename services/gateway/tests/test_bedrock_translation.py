"""The bedrock kind's pieces without a network: the event-stream decoder, chat -> Converse requests,
Converse answers and stream events -> chat objects, and Bedrock's failures -> the client's errors."""

import json
import struct
import uuid
import zlib
from typing import Any

import pytest
from pydantic import SecretStr

from runagents_gateway.llm.bedrock.answers import chat_completion, chat_usage, finish_reason
from runagents_gateway.llm.bedrock.errors import exception_event_error, http_error, mid_stream_error
from runagents_gateway.llm.bedrock.eventstream import EventMessage, EventStreamDecoder, EventStreamError
from runagents_gateway.llm.bedrock.kind import converse_url
from runagents_gateway.llm.bedrock.requests import converse_request
from runagents_gateway.llm.bedrock.stream import ChunkTranslator
from runagents_gateway.llm.chat import ChunkReader, ToolCallPiece
from runagents_gateway.llm.errors import LlmError, UpstreamError
from runagents_gateway.llm.routes import Route

from .conftest import ECHO_TOOL
from .test_bedrock_provider import BEDROCK_KEY, encoded_message, event, exception

ROUTE = Route(provider="aws", kind="bedrock", base_url="https://bedrock-runtime.us-east-1.amazonaws.com/",
              model="anthropic.claude-3-haiku-20240307-v1:0", role="chat", api_key=SecretStr(BEDROCK_KEY))
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


# --- the event-stream decoder --------------------------------------------------------------------------


def _stream() -> bytes:
    return b"".join([
        event("messageStart", {"role": "assistant"}),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Héllo"}}),
        encoded_message({}, b""),
        event("messageStop", {"stopReason": "end_turn"}),
    ])


def _decoded(decoder: EventStreamDecoder, *pieces: bytes) -> list[EventMessage]:
    messages = [message for piece in pieces for message in decoder.feed(piece)]
    decoder.finish()
    return messages


def test_decoder_reads_messages_split_at_every_byte_boundary() -> None:
    data = _stream()
    whole = _decoded(EventStreamDecoder(), data)

    assert [message.header(":event-type") for message in whole] == ["messageStart", "contentBlockDelta", None,
                                                                      "messageStop"]
    assert json.loads(whole[1].payload)["delta"] == {"text": "Héllo"}
    assert whole[2] == EventMessage({}, b"")
    for cut in range(1, len(data)):
        assert _decoded(EventStreamDecoder(), data[:cut], data[cut:]) == whole
    assert _decoded(EventStreamDecoder(), *(data[i:i + 1] for i in range(len(data)))) == whole


def test_decoder_reads_every_header_type() -> None:
    identifier = uuid.uuid4().bytes
    headers = {"yes": True, "no": False, "byte": (2, -7), "short": (3, -300), "int": 70000, "long": (5, 2**40),
               "blob": b"\x00\xff", "text": "exception", "at": (8, 1732000000000), "id": (9, identifier)}

    [message] = _decoded(EventStreamDecoder(), encoded_message(headers, b"{}"))

    assert message.headers == {"yes": True, "no": False, "byte": -7, "short": -300, "int": 70000, "long": 2**40,
                               "blob": b"\x00\xff", "text": "exception", "at": 1732000000000, "id": identifier}
    assert message.payload == b"{}"


def test_a_corrupted_message_checksum_is_an_error_after_the_messages_before_it() -> None:
    first, second = event("messageStart", {"role": "assistant"}), bytearray(event("messageStop", {}))
    second[-6] ^= 0x01  # a payload byte: the message checksum no longer matches
    taken: list[EventMessage] = []

    with pytest.raises(EventStreamError, match="message checksum"):
        for message in EventStreamDecoder().feed(first + bytes(second)):
            taken.append(message)

    assert [message.header(":event-type") for message in taken] == ["messageStart"]


def test_a_corrupted_prelude_is_an_error_before_waiting_for_its_length() -> None:
    data = bytearray(event("messageStart", {"role": "assistant"}))
    data[3] ^= 0x40  # the total length: a decoder trusting it would wait for bytes that never come

    with pytest.raises(EventStreamError, match="prelude checksum"):
        list(EventStreamDecoder().feed(bytes(data[:12])))


@pytest.mark.parametrize("headers", [
    b"\x05:type\x0e",  # an unknown value type
    b"\x05:type\x07\x00\x09short",  # a string longer than the headers
    b"\x05:ty",  # a name cut short
])
def test_malformed_headers_are_an_error(headers: bytes) -> None:
    prelude = struct.pack(">II", 16 + len(headers), len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers
    message += struct.pack(">I", zlib.crc32(message))

    with pytest.raises(EventStreamError):
        list(EventStreamDecoder().feed(message))


def test_lengths_that_do_not_add_up_are_an_error() -> None:
    prelude = struct.pack(">II", 16, 8)  # eight bytes of headers in a message with room for none
    with pytest.raises(EventStreamError, match="cannot hold"):
        list(EventStreamDecoder().feed(prelude + struct.pack(">I", zlib.crc32(prelude))))


def test_a_stream_ending_inside_a_message_is_an_error() -> None:
    decoder = EventStreamDecoder()
    data = _stream()
    assert len(list(decoder.feed(data[:-3]))) == 3

    with pytest.raises(EventStreamError, match="ended inside a message"):
        decoder.finish()


# --- chat completions -> Converse ------------------------------------------------------------------------


def test_system_and_developer_messages_become_the_system_prompt_and_turns_alternate() -> None:
    converse = converse_request({"model": "m", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "One."},
        {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
        {"role": "user", "content": [{"type": "text", "text": "Two."}, {"type": "text", "text": ""}]},
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": [{"type": "text", "text": "Done."}]},
    ]})

    assert converse == {
        "system": [{"text": "Be brief."}, {"text": "Answer in English."}],
        "messages": [{"role": "user", "content": [{"text": "One."}, {"text": "Two."}]},
                     {"role": "assistant", "content": [{"text": "Done."}]}],
    }


def test_tool_calls_and_results_become_tool_use_and_tool_result_blocks() -> None:
    converse = converse_request({"model": "m", "tools": [ECHO_TOOL], "messages": [
        {"role": "user", "content": "Echo a and b."},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "t1", "type": "function", "function": {"name": "echo__echo", "arguments": "{\"message\":\"a\"}"}},
            {"id": "t2", "type": "function", "function": {"name": "echo__echo", "arguments": "not json"}},
        ]},
        {"role": "tool", "tool_call_id": "t1", "content": "a"},
        {"role": "tool", "tool_call_id": "t2", "content": [{"type": "text", "text": ""}]},
        {"role": "user", "content": "Thanks."},
    ]})

    assert converse["messages"] == [
        {"role": "user", "content": [{"text": "Echo a and b."}]},
        {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "t1", "name": "echo__echo", "input": {"message": "a"}}},
            {"toolUse": {"toolUseId": "t2", "name": "echo__echo", "input": {"_raw_arguments": "not json"}}},
        ]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "a"}]}},
                                     {"toolResult": {"toolUseId": "t2", "content": []}},
                                     {"text": "Thanks."}]},
    ]
    assert converse["toolConfig"] == {"tools": [{"toolSpec": {
        "name": "echo__echo", "description": "Echo a message back to the caller",
        "inputSchema": {"json": ECHO_TOOL["function"]["parameters"]}}}]}


@pytest.mark.parametrize(("tool_choice", "expected"), [
    ("auto", {"auto": {}}),
    ("required", {"any": {}}),
    ({"type": "function", "function": {"name": "echo__echo"}}, {"tool": {"name": "echo__echo"}}),
])
def test_tool_choice_becomes_converses(tool_choice: Any, expected: dict[str, Any]) -> None:
    converse = converse_request({"messages": [{"role": "user", "content": "Hi."}], "tools": [ECHO_TOOL],
                                 "tool_choice": tool_choice})

    assert converse["toolConfig"]["toolChoice"] == expected


def test_tool_choice_none_sends_no_tools() -> None:
    converse = converse_request({"messages": [{"role": "user", "content": "Hi."}], "tools": [ECHO_TOOL],
                                 "tool_choice": "none"})

    assert "toolConfig" not in converse


def test_a_data_url_image_becomes_image_bytes() -> None:
    converse = converse_request({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}", "detail": "low"}},
    ]}]})

    assert converse["messages"][0]["content"][1] == {"image": {"format": "png", "source": {"bytes": PIXEL}}}


def test_inference_parameters_and_structured_output() -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}}
    converse = converse_request({
        "messages": [{"role": "user", "content": "Hi."}], "max_completion_tokens": 100, "max_tokens": 5,
        "temperature": 0, "top_p": 1, "stop": "END", "seed": 7, "user": "u-1", "parallel_tool_calls": False,
        "stream_options": {"include_usage": True},
        "response_format": {"type": "json_schema", "json_schema": {"name": "greeting", "schema": schema}},
    })

    assert converse["inferenceConfig"] == {"maxTokens": 100, "temperature": 0, "topP": 1, "stopSequences": ["END"]}
    assert converse["outputConfig"] == {"textFormat": {"type": "json_schema", "structure": {
        "jsonSchema": {"schema": json.dumps(schema, separators=(",", ":")), "name": "greeting"}}}}


@pytest.mark.parametrize(("request_body", "message"), [
    ({"messages": []}, "non-empty"),
    ({"messages": [{"role": "system", "content": "Only a system prompt."}]}, "no user or assistant"),
    ({"messages": [{"role": "function", "name": "f", "content": "x"}]}, "role 'function'"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]},
     "bytes only"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url",
                                                 "image_url": {"url": "data:image/tiff;base64,AAAA"}}]}]},
     "image/tiff"),
    ({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]}, "input_audio"),
    ({"messages": [{"role": "user", "content": "Hi."}], "n": 2}, "'n'"),
    ({"messages": [{"role": "user", "content": "Hi."}], "logprobs": True}, "logprobs"),
    ({"messages": [{"role": "user", "content": "Hi."}], "response_format": {"type": "json_object"}}, "json_object"),
    ({"messages": [{"role": "user", "content": "Hi."}], "tools": [{"type": "web_search"}]}, "web_search"),
    ({"messages": [{"role": "user", "content": "Hi."}], "tools": [ECHO_TOOL], "tool_choice": "any"}, "tool_choice"),
    ({"messages": [{"role": "user", "content": "Hi."}], "max_tokens": 0}, "max_tokens"),
    ({"messages": [{"role": "user", "content": "Hi."}], "stop": [1]}, "stop"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id"),
])
def test_what_converse_cannot_carry_is_a_400(request_body: dict[str, Any], message: str) -> None:
    with pytest.raises(LlmError) as raised:
        converse_request(request_body)

    assert raised.value.status == 400
    assert message in raised.value.message


def test_the_model_is_one_path_segment_of_the_url() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"
    route = Route(provider="aws", kind="bedrock", base_url="https://bedrock-runtime.us-east-1.amazonaws.com/",
                  model=arn, role="chat")

    assert converse_url(route, "converse-stream") == (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012"
        "%3Ainference-profile%2Fus.anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream")


# --- Converse -> chat completions ------------------------------------------------------------------------


@pytest.mark.parametrize(("stop_reason", "expected"), [
    ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"),
    ("model_context_window_exceeded", "length"), ("tool_use", "tool_calls"),
    ("guardrail_intervened", "content_filter"), ("content_filtered", "content_filter"),
    ("malformed_model_output", "stop"), (None, "stop"),
])
def test_stop_reasons_become_finish_reasons(stop_reason: Any, expected: str) -> None:
    assert finish_reason(stop_reason, has_tool_calls=False) == expected


def test_cached_prompt_tokens_count_within_the_prompt() -> None:
    usage = chat_usage({"inputTokens": 10, "outputTokens": 4, "totalTokens": 314, "cacheReadInputTokens": 200,
                        "cacheWriteInputTokens": 100})

    assert usage == {"prompt_tokens": 310, "completion_tokens": 4, "total_tokens": 314,
                     "prompt_tokens_details": {"cached_tokens": 200}}


def test_an_answer_with_text_and_tool_use_becomes_one_message() -> None:
    completion = chat_completion({
        "output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "The user wants an echo.", "signature": "x"}}},
            {"text": "Echoing."},
            {"toolUse": {"toolUseId": "tooluse_1", "name": "echo__echo", "input": {"message": "é"}}},
        ]}},
        "stopReason": "tool_use", "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
        "metrics": {"latencyMs": 100},
    }, model="m")

    assert completion["object"] == "chat.completion"
    assert completion["model"] == "m"
    assert completion["choices"][0]["finish_reason"] == "tool_calls"
    assert completion["choices"][0]["message"] == {
        "role": "assistant", "content": "Echoing.", "refusal": None,
        "tool_calls": [{"id": "tooluse_1", "type": "function",
                        "function": {"name": "echo__echo", "arguments": "{\"message\":\"é\"}"}}],
    }


def test_stream_events_become_chunks_a_chat_reader_understands() -> None:
    translator = ChunkTranslator("m")
    events: list[tuple[str, dict[str, Any]]] = [
        ("messageStart", {"role": "assistant"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Hmm."}}}),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Sure."}}),
        ("contentBlockStop", {"contentBlockIndex": 1}),
        ("contentBlockStart", {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "a", "name": "f"}}}),
        ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": "{\"x\":"}}}),
        ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": "1}"}}}),
        ("contentBlockStop", {"contentBlockIndex": 2}),
        ("contentBlockStart", {"contentBlockIndex": 3, "start": {"toolUse": {"toolUseId": "b", "name": "g"}}}),
        ("contentBlockDelta", {"contentBlockIndex": 3, "delta": {"toolUse": {"input": "{}"}}}),
        ("messageStop", {"stopReason": "tool_use"}),
        ("metadata", {"usage": {"inputTokens": 7, "outputTokens": 9, "totalTokens": 16}, "metrics": {}}),
    ]
    chunks = [chunk for name, body in events for chunk in translator.feed(name, body)]
    reader = ChunkReader()
    pieces = [piece for chunk in chunks for piece in reader.read(chunk)]

    assert translator.finished
    assert pieces == ["Sure.", ToolCallPiece((0, "a"), True, "f", ""), ToolCallPiece((0, "a"), False, "", "{\"x\":"),
                      ToolCallPiece((0, "a"), False, "", "1}"), ToolCallPiece((1, "b"), True, "g", ""),
                      ToolCallPiece((1, "b"), False, "", "{}")]
    assert reader.finish_reason == "tool_calls"
    assert reader.usage == {"prompt_tokens": 7, "completion_tokens": 9, "total_tokens": 16,
                            "prompt_tokens_details": {"cached_tokens": 0}}
    assert chunks[-1]["choices"] == []
    assert {chunk["id"] for chunk in chunks} == {translator.completion_id}


# --- failures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "error_type", "expected"), [
    (400, "ValidationException", (400, "upstream_error", False)),
    (403, "AccessDeniedException", (502, "upstream_auth_failed", False)),
    (401, None, (502, "upstream_auth_failed", False)),
    (404, "ResourceNotFoundException", (404, "upstream_error", False)),
    (408, "ModelTimeoutException", (504, "upstream_timeout", True)),
    (424, "ModelErrorException", (502, "upstream_error", True)),
    (429, "ThrottlingException", (429, "rate_limit_exceeded", True)),
    (429, "ModelNotReadyException", (502, "upstream_error", True)),
    (500, "InternalServerException", (502, "upstream_error", True)),
    (503, "ServiceUnavailableException", (502, "upstream_error", True)),
])
def test_bedrock_http_errors_become_the_clients(status: int, error_type: str | None,
                                                expected: tuple[int, str, bool]) -> None:
    headers = {"x-amzn-errortype": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"} \
        if error_type else {}

    error = http_error(ROUTE, status, headers, json.dumps({"message": "Something happened."}).encode())

    assert (error.status, error.code, error.retryable) == expected


def test_the_error_type_may_come_in_the_body_and_the_key_never_goes_back() -> None:
    content = json.dumps({"__type": "com.amazon.bedrock#ThrottlingException",
                          "message": f"Slow down, {BEDROCK_KEY}"}).encode()

    error = http_error(ROUTE, 429, {"retry-after": "3", "x-amzn-requestid": "r-1", "set-cookie": "a=b"}, content)

    assert error.status == 429
    assert error.headers == {"retry-after": "3", "x-amzn-requestid": "r-1"}
    assert BEDROCK_KEY not in error.message
    assert "Slow down, [redacted]" in error.message
    assert json.dumps(error.body()).count(BEDROCK_KEY) == 0


def _only_message(data: bytes) -> EventMessage:
    [message] = list(EventStreamDecoder().feed(data))
    return message


def test_an_exception_opening_a_stream_is_answered_with_its_status() -> None:
    error = exception_event_error(ROUTE, _only_message(exception("throttlingException", "Too many tokens.")),
                                  {"retry-after": "2"})

    assert isinstance(error, UpstreamError)
    assert (error.status, error.retryable, error.headers) == (429, True, {"retry-after": "2"})


def test_an_exception_mid_stream_is_a_502_without_the_key() -> None:
    error = mid_stream_error(ROUTE, _only_message(exception("internalServerException", f"Oops {BEDROCK_KEY}")))

    assert error.status == 502
    assert error.message == "Model provider 'aws' failed mid-stream: internalServerException: Oops [redacted]"


def test_an_error_message_mid_stream_is_read_from_its_headers() -> None:
    message = encoded_message({":message-type": "error", ":error-code": "InternalFailure",
                               ":error-message": "The service failed."}, b"")

    error = mid_stream_error(ROUTE, _only_message(message))

    assert error.message.endswith("InternalFailure: The service failed.")
