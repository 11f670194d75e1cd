"""POST /invoke/stream: SSE events, fallbacks, errors and client disconnects."""

from __future__ import annotations

import asyncio
import json


async def test_stream_emits_tool_call_tool_result_content_done_then_done_marker(
    start_runtime, gateway, tools, parse_sse
):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {"text": "hi"})), gateway.text_reply("The tool said hi."))

    async with start_runtime() as client:
        response = await client.post("/invoke/stream", json={"message": "say hi"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert events[-1] == "[DONE]"
    types = [event["type"] for event in events[:-1]]
    assert types[:2] == ["tool_call", "tool_result"]
    assert types[-1] == "done"
    assert set(types[2:-1]) == {"content"}
    assert events[0] == {"type": "tool_call", "tool": "echo__echo", "arguments": json.dumps({"text": "hi"})}
    assert json.loads(events[1]["result"]) == {"echo": {"text": "hi"}}
    assert "".join(event["delta"] for event in events[:-1] if event["type"] == "content") == "The tool said hi."
    done = events[-2]
    assert done["model"] == "gpt-4o-mini"
    assert done["tool_calls_made"][0]["function"] == "echo__echo"
    assert done["usage"]["total_tokens"] == 30
    assert done["calls"] == {"llm": 2, "tool": 1, "other": 0}
    assert all(request.body["stream"] is True for request in gateway.requests)
    assert tools.requests[0].body == {"text": "hi"}


async def test_stream_works_when_the_gateway_ignores_the_stream_flag(start_runtime, gateway, parse_sse):
    gateway.streaming_supported = False
    gateway.reply_with(gateway.text_reply("whole answer"))

    async with start_runtime() as client:
        response = await client.post("/invoke/stream", json={"message": "hi"})

    events = parse_sse(response.text)
    assert [e["type"] for e in events[:-1]] == ["content", "done"]
    assert events[0]["delta"] == "whole answer"


async def test_stream_reports_gateway_failure_as_an_error_event(start_runtime, parse_sse, down_url):
    async with start_runtime({"LLM_GATEWAY_URL": f"{down_url}/llm/v1/chat/completions"}) as client:
        response = await client.post("/invoke/stream", json={"message": "hi"})

    events = parse_sse(response.text)
    assert events[0]["type"] == "error"
    assert events[0]["status"] == 502
    assert events[-1] == "[DONE]"


async def test_client_disconnect_during_stream_cancels_the_tool_call(start_app, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__hang", {})), gateway.text_reply("never reached"))
    body = json.dumps({"message": "hang"}).encode()
    request_sent = False

    async def receive():
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await tools.hang_started.wait()
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/invoke/stream",
        "raw_path": b"/invoke/stream",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"runtime.test")],
        "server": ("runtime.test", 80),
        "client": ("127.0.0.1", 1234),
        "root_path": "",
    }
    async with start_app() as app:
        await asyncio.wait_for(app(scope, receive, send), timeout=5)
        # The tool server sees the abandoned call when the closed connection reaches it.
        await asyncio.wait_for(tools.hang_cancelled.wait(), timeout=5)

    assert tools.hang_cancelled.is_set()
    assert len(gateway.requests) == 1
    streamed = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b"[DONE]" not in streamed


async def test_a_streamed_chunk_longer_than_aiohttps_line_limit_is_relayed_whole(start_runtime, gateway, parse_sse):
    # The fake sends each half of the answer as one SSE line: 600 KB, past aiohttp's readline limit (512 KiB).
    answer = "x" * 1_200_000
    gateway.reply_with(gateway.text_reply(answer))

    async with start_runtime() as client:
        response = await client.post("/invoke/stream", json={"message": "a long answer"})

    events = parse_sse(response.text)
    assert events[-1] == "[DONE]"
    assert "".join(event["delta"] for event in events[:-1] if event["type"] == "content") == answer
    assert events[-2]["type"] == "done"
