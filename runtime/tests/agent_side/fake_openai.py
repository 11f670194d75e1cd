"""A small OpenAI chat-completions server standing in for a paid provider in the agent-side tests.

It answers like a model would in an agent loop: with tools offered and none called yet, it calls
the first tool (its text parameters filled with the user's message); after a tool result, it
answers "tool said: <result>"; else "fake answer: <the last user message>". Streamed requests get
SSE chunks (text in two deltas, tool calls in the streamed shape). A ReAct-style system prompt
(CrewAI's "Final Answer:") gets its answer in that format.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def reply(request: dict[str, Any]) -> dict[str, Any]:
    """The assistant message for a chat-completions request: {"content"} or {"tool_calls"}."""
    messages = request.get("messages", [])
    tools = request.get("tools") or []
    last_user = next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    tool_results = [m for m in messages if m.get("role") == "tool"]
    if tools and not tool_results:
        function = tools[0]["function"]
        properties = function.get("parameters", {}).get("properties", {})
        arguments = {name: last_user for name, spec in properties.items() if spec.get("type", "string") == "string"}
        return {"tool_calls": [{"id": "call_1", "type": "function",
                                "function": {"name": function["name"], "arguments": json.dumps(arguments)}}]}
    text = f"tool said: {_text(tool_results[-1].get('content'))}" if tool_results else f"fake answer: {last_user}"
    system = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "system")
    if "Final Answer:" in system:
        text = f"Thought: I now know the final answer\nFinal Answer: {text}"
    return {"content": text}


class FakeOpenAI:
    """Serves /v1/chat/completions on 127.0.0.1; `requests` holds what it was asked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fake.requests.append(body)
                if self.path == "/echo/echo":  # the platform's echo tool, as TOOL_URL_ECHO + "/echo"
                    self._echo(body)
                    return
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404, f"the fake serves chat completions only, not {self.path}")
                    return
                message = reply(body)
                if body.get("stream"):
                    self._stream(body, message)
                else:
                    self._json(body, message)

            def _echo(self, body: dict[str, Any]) -> None:
                data = json.dumps({"echo": body.get("message", ""), "length": len(body.get("message", ""))}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _json(self, body: dict[str, Any], message: dict[str, Any]) -> None:
                answer = {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": message.get("content"),
                                                         **({"tool_calls": message["tool_calls"]}
                                                            if "tool_calls" in message else {})},
                                 "finish_reason": "tool_calls" if "tool_calls" in message else "stop"}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], message: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
                if "tool_calls" in message:
                    deltas += [{"tool_calls": [{"index": 0, **call}]} for call in message["tool_calls"]]
                else:
                    text = message["content"]
                    middle = len(text) // 2
                    deltas += [{"content": text[:middle]}, {"content": text[middle:]}]
                finish = "tool_calls" if "tool_calls" in message else "stop"
                chunks = [{"index": 0, "delta": d, "finish_reason": None} for d in deltas]
                chunks.append({"index": 0, "delta": {}, "finish_reason": finish})
                for choice in chunks:
                    chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                             "model": body.get("model", "m"), "choices": [choice]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                usage = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                         "model": body.get("model", "m"), "choices": [],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}
                self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
