"""Running a small agent written for a real framework through its agent_side adapter, offline.

Each framework gets a virtualenv of its own (built from PyPI once, kept in .cache/fwenvs between
runs); the agent runs in a subprocess with that venv's interpreter and only the runtime's src dir
added to its path, as the runtime's child process would. The model is `OpenAIStandIn`, a local
HTTP server speaking OpenAI chat completions (plain and SSE-streamed): it calls the scripted tool
until the tool's result is in the conversation, then answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
RUNTIME_SRC = REPO / "runtime" / "src"
FRAMEWORK_ENVS = REPO / ".cache" / "fwenvs"

REQUIREMENTS = {
    "llamaindex": ["llama-index-core", "llama-index-llms-openai"],
    "pydantic_ai": ["pydantic-ai-slim[openai]"],
    "smolagents": ["smolagents[openai]"],
    "autogen": ["autogen-agentchat", "autogen-ext[openai]"],
    "agno": ["agno", "openai"],
    "google_adk": ["google-adk", "litellm"],
}


@dataclass
class Script:
    """What the stand-in model answers.

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


class OpenAIStandIn:
    """A chat-completions server on 127.0.0.1 that plays `script` and records every request body."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stand_in.requests.append(body)
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                message = stand_in.reply(body)
                if body.get("stream"):
                    self._stream(body, message)
                else:
                    self._send_json(_completion(body, message))

            def do_GET(self) -> None:
                self._send_json({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]})

            def _send_json(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], message: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for chunk in _chunks(body, message):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        script = self.script
        offered = {tool.get("function", {}).get("name") for tool in body.get("tools") or []}
        tool_ran = script.tool_result_mark in json.dumps(body.get("messages") or [])
        if script.code is not None:
            return {"role": "assistant", "content": script.code[1] if tool_ran else script.code[0]}
        if not tool_ran and script.tool in offered:
            return _tool_call_message(script.tool, script.tool_arguments)
        if script.final_tool and script.final_tool in offered:
            return _tool_call_message(script.final_tool, script.final_arguments)
        if script.structured is not None and body.get("response_format"):
            return {"role": "assistant", "content": json.dumps(script.structured)}
        return {"role": "assistant", "content": script.final_text}


def _tool_call_message(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    call_id = f"call_{name}_1"
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        ],
    }


def _completion(body: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "gpt-4o-mini"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chunks(body: dict[str, Any], message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": body.get("model", "gpt-4o-mini"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    if message.get("tool_calls"):
        for index, call in enumerate(message["tool_calls"]):
            function = call["function"]
            yield chunk({"tool_calls": [{
                "index": index, "id": call["id"], "type": "function",
                "function": {"name": function["name"], "arguments": ""},
            }]})
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": function["arguments"]}}]})
        yield chunk({}, "tool_calls")
    else:
        words = message["content"].split(" ")
        for position, word in enumerate(words):
            yield chunk({"content": word if position == len(words) - 1 else word + " "})
        yield chunk({}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        yield {**chunk({}), "choices": [], "usage": usage}


def framework_python(name: str) -> Path:
    """The interpreter of the framework's venv, built with uv from PyPI the first time."""
    venv = FRAMEWORK_ENVS / name
    python = venv / "bin" / "python"
    done = venv / ".done"
    if not done.exists():
        subprocess.run(["uv", "venv", str(venv), "--python", "3.11", "-q", "--allow-existing"], check=True)
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(python), *REQUIREMENTS[name]], check=True)
        done.touch()
    return python


_DRIVER = textwrap.dedent(
    """
    import asyncio, importlib, json, sys
    runtime_src, agent_dir, adapter_name, module_name, target, turns = sys.argv[1:7]
    sys.path[:0] = [runtime_src, agent_dir]
    from runagents_runtime.agent_side.turn import Turn
    adapter = importlib.import_module("runagents_runtime.agent_side.adapters." + adapter_name)
    obj = getattr(importlib.import_module(module_name), target)

    async def main():
        run = adapter.bind(obj)
        runs = []
        for turn in json.loads(turns):
            runs.append([event async for event in run(Turn(**turn))])
        return runs

    recognized = adapter.recognizes(obj)
    runs = asyncio.run(main())
    print("RESULT:" + json.dumps({"recognized": recognized, "runs": runs}))
    """
)


@dataclass
class AgentRun:
    recognized: bool
    runs: list[list[dict[str, Any]]]
    requests: list[dict[str, Any]]


def run_agent(
    framework: str, tmp_path: Path, source: str, target: str, script: Script, turns: list[dict[str, Any]]
) -> AgentRun:
    """Write `source` as agent.py, bind `target` with the framework's adapter, run `turns` (Turn fields)
    against the stand-in model, and return the events of each turn."""
    python = framework_python(framework)
    (tmp_path / "agent.py").write_text(textwrap.dedent(source))
    driver = tmp_path / "drive_agent.py"
    driver.write_text(_DRIVER)
    with OpenAIStandIn(script) as model:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "OPENAI_API_KEY": "sk-offline-stand-in",
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_BASE": model.base_url,
            "AGNO_TELEMETRY": "false",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "ANONYMIZED_TELEMETRY": "false",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        completed = subprocess.run(
            [str(python), "-I", str(driver), str(RUNTIME_SRC), str(tmp_path), framework, "agent", target,
             json.dumps(turns)],
            cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT:")]
    if completed.returncode != 0 or not lines:
        output = f"{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
        pytest.fail(f"the agent run failed ({completed.returncode}):\n{output}")
    result = json.loads(lines[-1].removeprefix("RESULT:"))
    return AgentRun(recognized=result["recognized"], runs=result["runs"], requests=model.requests)


def events_of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]


def assert_well_formed(events: list[dict[str, Any]]) -> None:
    """One answer, last."""
    assert events, "no events"
    assert events[-1]["type"] == "answer", events
    assert [e["type"] for e in events].count("answer") == 1, events


if __name__ == "__main__":  # build every framework's venv ahead of a test run
    for framework_name in sys.argv[1:] or REQUIREMENTS:
        print(framework_python(framework_name))
