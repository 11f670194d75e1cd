"""Relayed streams are cut into whole events however the upstream's bytes arrive."""

import json
from typing import Any

from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.routes import Route, RouteSnapshot
from runagents_gateway.llm.sse import RelayedStream, SseDecoder


def event(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"object": "chat.completion.chunk", "usage": None,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


TOOL_DELTA = {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                              "function": {"name": "echo__echo", "arguments": ""}}]}
USAGE_CHUNK = {"object": "chat.completion.chunk", "choices": [],
               "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}}
UPSTREAM = b"".join([event(chunk({"role": "assistant", "content": "usage: null"})), event(chunk(TOOL_DELTA)),
                     event(chunk({}, "tool_calls")), event(USAGE_CHUNK), event("[DONE]")])


def relay(pieces: list[bytes], *, drop_usage_chunk: bool) -> tuple[bytes, LlmCall]:
    call = LlmCall(run_id=None, trace_id=None, agent=None)
    stream = RelayedStream(call, drop_usage_chunk=drop_usage_chunk)
    forwarded = b"".join(stream.feed(piece) for piece in pieces) + stream.flush()
    return forwarded, call


def test_events_split_across_reads_are_forwarded_whole_and_observed() -> None:
    forwarded, call = relay([UPSTREAM[i : i + 1] for i in range(len(UPSTREAM))], drop_usage_chunk=False)

    assert forwarded == UPSTREAM
    assert (call.prompt_tokens, call.completion_tokens) == (11, 5)
    assert call.finish_reason == "tool_calls"
    assert call.tool_calls == ["echo__echo"]


def test_usage_chunk_the_client_did_not_ask_for_is_counted_and_dropped() -> None:
    forwarded, call = relay([UPSTREAM], drop_usage_chunk=True)

    assert forwarded == UPSTREAM.replace(event(USAGE_CHUNK), b"")
    assert call.completion_tokens == 5


def test_crlf_framed_events_are_recognised() -> None:
    forwarded, call = relay([UPSTREAM.replace(b"\n", b"\r\n")], drop_usage_chunk=True)

    assert forwarded.endswith(b"data: [DONE]\n\n")
    assert b'"choices": []' not in forwarded
    assert call.prompt_tokens == 11


def test_trailing_event_without_blank_line_is_still_forwarded() -> None:
    forwarded, _ = relay([b"data: [DONE]"], drop_usage_chunk=False)

    assert forwarded == b"data: [DONE]\n\n"


def decode(pieces: list[bytes]) -> list[bytes]:
    decoder = SseDecoder()
    return [data for piece in pieces for data in decoder.feed(piece)] + decoder.flush()


def test_decoder_yields_each_events_data_however_the_bytes_arrive() -> None:
    expected = [json.dumps(chunk({"role": "assistant", "content": "usage: null"})).encode(),
                json.dumps(chunk(TOOL_DELTA)).encode(), json.dumps(chunk({}, "tool_calls")).encode(),
                json.dumps(USAGE_CHUNK).encode(), b"[DONE]"]

    assert decode([UPSTREAM]) == expected
    assert decode([UPSTREAM[i : i + 1] for i in range(len(UPSTREAM))]) == expected
    assert decode([UPSTREAM.replace(b"\n", b"\r\n")[i : i + 7] for i in range(0, 2 * len(UPSTREAM), 7)]) == expected


def test_decoder_skips_comments_and_event_lines_and_keeps_an_unterminated_last_event() -> None:
    assert decode([b": keep-alive\n\nevent: x\ndata: {\"a\":\ndata: 1}\n\n", b"data: [DONE]"]) == [
        b'{"a":\n1}', b"[DONE]"]


def test_exact_model_name_wins_over_a_provider_prefix_and_oldest_provider_wins_a_shared_name() -> None:
    routes = [Route("old", "openai", None, "gpt-4o", "chat"), Route("new", "openai", None, "gpt-4o", "chat"),
              Route("hf", "openai-compatible", None, "meta/llama", "chat"),
              Route("meta", "openai-compatible", None, "llama", "chat")]
    snapshot = RouteSnapshot.of(routes)

    assert snapshot.resolve("gpt-4o") is routes[0]
    assert snapshot.resolve("new/gpt-4o") is routes[1]
    assert snapshot.resolve("meta/llama") is routes[2]
    assert snapshot.resolve("llama") is routes[3]
    assert snapshot.resolve("nobody/gpt-4o") is None


def test_only_events_that_carry_usage_a_finish_reason_or_a_tool_name_are_parsed() -> None:
    from runagents_gateway.llm.sse import _worth_parsing

    compact = json.dumps(chunk({"content": "hi"}), separators=(",", ":")).encode()
    assert not _worth_parsing(event(chunk({"content": "hi"})))  # "usage": null, "finish_reason": null
    assert not _worth_parsing(b"data: " + compact)
    assert not _worth_parsing(b'data: {"finish_reason" :  null}')
    assert _worth_parsing(event(chunk({}, "stop")))
    assert _worth_parsing(event(USAGE_CHUNK))
    assert _worth_parsing(event(chunk(TOOL_DELTA)))
    assert not _worth_parsing(event(chunk({"content": 'say "name" and "tool_calls"'})))
