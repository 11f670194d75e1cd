"""A local OpenAI chat-completions server standing in for a paid provider in the agent-side tests.

Without a script it answers like a model in an agent loop: with tools offered and none called yet,
it calls the first tool (its text parameters filled with the user's message); after a tool result,
it answers "tool said: <result>"; else "fake answer: <the last user message>". A ReAct-style system
prompt (CrewAI's "Final Answer:") gets its answer in that format. With a `Script`, it plays the
script instead. Plain requests get a chat.completion; streamed ones SSE chunks (text word by word,
tool calls in the streamed shape). It also serves the platform's echo tool (POST /echo/echo) and
GET /v1/models, and records every request body it gets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@dataclass
class Script:
    """What the model answers.

    Until `tool_result_mark` (a string only the tool returns) is in the conversation, a request that
    offers `tool` gets a call to it with `tool_arguments`; after it, `final_tool` (when offered)
    is called with `final_arguments`, a request for structured output gets `structured` as JSON,
    else the text `final_text`. `code` (before, after) replaces both with code-agent text replies.
    """

    tool: str
    tool_arguments: dict[str, Any]
    tool_result_mark: str
    final_text: str
    final_tool: str | None = None
    final_arguments: dict[str, Any] = field(default_factory=dict)
    structured: dict[str, Any] | None = None
    code: tuple[str, str] | None = None


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _tool_call_message(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The unscripted assistant message for a chat-completions request."""
    messages = request.get("messages", [])
    tools = request.get("tools") or []
    last_user = next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    tool_results = [m for m in messages if m.get("role") == "tool"]
    if tools and not tool_results:
        function = tools[0]["function"]
        properties = function.get("parameters", {}).get("properties", {})
        arguments = {name: last_user for name, spec in properties.items() if spec.get("type", "string") == "string"}
        return _tool_call_message(function["name"], arguments, "call_1")
    text = f"tool said: {_text(tool_results[-1].get('content'))}" if tool_results else f"fake answer: {last_user}"
    system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    if "Final Answer:" in system:
        text = f"Thought: I now know the final answer\nFinal Answer: {text}"
    return {"role": "assistant", "content": text}


def scripted_reply(script: Script, request: dict[str, Any]) -> dict[str, Any]:
    """The assistant message `script` gives for a chat-completions request."""
    offered = {tool.get("function", {}).get("name") for tool in request.get("tools") or []}
    tool_ran = script.tool_result_mark in json.dumps(request.get("messages") or [])
    if script.code is not None:
        return {"role": "assistant", "content": script.code[1] if tool_ran else script.code[0]}
    if not tool_ran and script.tool in offered:
        return _tool_call_message(script.tool, script.tool_arguments, f"call_{script.tool}_1")
    if script.final_tool and script.final_tool in offered:
        return _tool_call_message(script.final_tool, script.final_arguments, f"call_{script.final_tool}_1")
    if script.structured is not None and request.get("response_format"):
        return {"role": "assistant", "content": json.dumps(script.structured)}
    return {"role": "assistant", "content": script.final_text}


def completion(request: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000,
            "model": request.get("model", "gpt-4o-mini"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": USAGE}


def chunks(request: dict[str, Any], message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`message` as the chunks of a streamed completion."""
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000,
                "model": request.get("model", "gpt-4o-mini"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    if message.get("tool_calls"):
        for index, call in enumerate(message["tool_calls"]):
            function = call["function"]
            yield chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                         "function": {"name": function["name"], "arguments": ""}}]})
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": function["arguments"]}}]})
        yield chunk({}, "tool_calls")
    else:
        words = message["content"].split(" ")
        for position, word in enumerate(words):
            yield chunk({"content": word if position == len(words) - 1 else word + " "})
        yield chunk({}, "stop")
    if (request.get("stream_options") or {}).get("include_usage"):
        yield {**chunk({}), "choices": [], "usage": USAGE}


class FakeOpenAI:
    """Serves chat completions on 127.0.0.1 (at `base_url`), by `script` when given; `requests`
    holds every request body, in order."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send_json({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                fake.requests.append(body)
                if self.path == "/echo/echo":  # the platform's echo tool, as TOOL_URL_ECHO + "/echo"
                    message = str(body.get("message", ""))
                    self._send_json({"echo": message, "length": len(message)})
                    return
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404, f"the fake serves chat completions only, not {self.path}")
                    return
                answer = fake.reply(body)
                if body.get("stream"):
                    self._stream(body, answer)
                else:
                    self._send_json(completion(body, answer))

            def _send_json(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], message: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.end_headers()
                for chunk in chunks(body, message):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reply(self, request: dict[str, Any]) -> dict[str, Any]:
        return reply(request) if self.script is None else scripted_reply(self.script, request)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
