"""The benches' upstream: OpenAI chat-completions endpoints and one tool, answering instantly.

    python bench/fake_upstream.py PORT [--chunks 20] [--chunk-delay 0.05]

bench/runtime.py and bench/gateway.py start it in its own process, apart from the load generator.

POST /llm/v1/chat/completions (bench/runtime.py): a chat request ending with a tool result gets the
final answer (streamed in `--chunks` pieces `--chunk-delay` seconds apart when asked to stream); any
other gets a call of the echo tool. GET /stats counts the final-answer streams open at once.

POST /v1/chat/completions (bench/gateway.py): always the same answer, precomputed, so that the
upstream costs as little as possible per request: a chat.completion with usage, or with
`"stream": true` an SSE stream of `--chunks` content chunks (`--chunk-delay` apart), a finish chunk,
a usage chunk when `stream_options.include_usage` is set, and `data: [DONE]`.
"""

import argparse
import asyncio
import json
from typing import Any

from aiohttp import web

MODEL = "bench-model"
FUNCTION = "echo__echo"
ARGUMENTS = json.dumps({"text": "hello"})
TOOL_RESULT = b'{"echo":"hello"}'
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def final_answer(chunks: int) -> str:
    return "".join(f"word{index} " for index in range(chunks))


def completion(message: dict[str, Any]) -> bytes:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": USAGE,
        }
    ).encode()


def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None) -> bytes:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body: dict[str, Any] = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": MODEL}
    body["choices"] = choices
    if usage:
        body["usage"] = usage
    return b"data: " + json.dumps(body).encode() + b"\n\n"


TOOL_CALL = {"id": "call_0", "type": "function", "function": {"name": FUNCTION, "arguments": ARGUMENTS}}
TOOL_CALL_COMPLETION = completion({"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]})
TOOL_CALL_CHUNKS = [
    chunk({"role": "assistant", "content": None}),
    chunk({"tool_calls": [{"index": 0, **TOOL_CALL, "function": {"name": FUNCTION, "arguments": ""}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": ARGUMENTS}}]}),
    chunk({}, finish="tool_calls"),
    chunk(None, usage=USAGE),
    b"data: [DONE]\n\n",
]


def answer_stream(chunks: int, include_usage: bool) -> list[bytes]:
    """The events of one streamed final answer, each as it goes on the wire."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": f"word{index} "}) for index in range(chunks)]
    events.append(chunk({}, finish="stop"))
    if include_usage:
        events.append(chunk(None, usage=USAGE))
    events.append(b"data: [DONE]\n\n")
    return events


def openai_chat(chunks: int, chunk_delay: float) -> Any:
    """The handler of POST /v1/chat/completions: precomputed bytes, only `stream` is read."""
    answer = completion({"role": "assistant", "content": final_answer(chunks)})
    streams = {usage: answer_stream(chunks, usage) for usage in (False, True)}

    async def chat(request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.read())
        if not body.get("stream"):
            return web.Response(body=answer, content_type="application/json")
        options = body.get("stream_options")
        events = streams[isinstance(options, dict) and bool(options.get("include_usage"))]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        for index, event in enumerate(events):
            if chunk_delay and 1 <= index <= chunks:  # before each content chunk, as on /llm/v1
                await asyncio.sleep(chunk_delay)
            await response.write(event)
        await response.write_eof()
        return response

    return chat


def serve_upstream(port: int, chunks: int, chunk_delay: float) -> None:
    """Answer chat completions (a tool call first, the final answer after a tool result) and the tool."""
    final_completion = completion({"role": "assistant", "content": final_answer(chunks)})
    stats = {"open_streams": 0, "max_open_streams": 0}

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        answering = body["messages"][-1]["role"] == "tool"
        if not body.get("stream"):
            payload = final_completion if answering else TOOL_CALL_COMPLETION
            return web.Response(body=payload, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if not answering:
            await response.write(b"".join(TOOL_CALL_CHUNKS))
            await response.write_eof()
            return response
        stats["open_streams"] += 1
        stats["max_open_streams"] = max(stats["max_open_streams"], stats["open_streams"])
        try:
            await response.write(chunk({"role": "assistant", "content": ""}))
            for index in range(chunks):
                await asyncio.sleep(chunk_delay)
                await response.write(chunk({"content": f"word{index} "}))
            await response.write(chunk({}, finish="stop") + chunk(None, usage=USAGE) + b"data: [DONE]\n\n")
        finally:
            stats["open_streams"] -= 1
        await response.write_eof()
        return response

    async def tool(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=TOOL_RESULT, content_type="application/json")

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def get_stats(_: web.Request) -> web.Response:
        return web.json_response(stats)

    async def reset_stats(_: web.Request) -> web.Response:
        stats["max_open_streams"] = stats["open_streams"]
        return web.json_response(stats)

    app = web.Application()
    app.router.add_post("/llm/v1/chat/completions", chat)
    app.router.add_post("/v1/chat/completions", openai_chat(chunks, chunk_delay))
    app.router.add_get("/healthz", health)
    app.router.add_get("/llm/healthz", health)
    app.router.add_post("/tools/echo", tool)
    app.router.add_get("/stats", get_stats)
    app.router.add_post("/stats/reset", reset_stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=4096)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--chunk-delay", type=float, default=0.05, help="seconds between streamed chunks")
    args = parser.parse_args()
    serve_upstream(args.port, args.chunks, args.chunk_delay)


if __name__ == "__main__":
    main()
