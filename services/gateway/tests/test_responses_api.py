"""POST /llm/v1/responses: the real openai SDK's Responses client (what the OpenAI Agents SDK's
default model calls) against the gateway, served by the playground and by an OpenAI-compatible
upstream."""

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from .conftest import RESPONSES_ECHO_TOOL, UPSTREAM_KEY, FakeUpstream, Gateway, RegisterProvider

ECHO_REQUEST = "Please echo 'hello world' back to me."
CALLER = {"X-RunAgents-Run-Id": "run-9", "X-RunAgents-Agent": "agents-sdk-agent",
          "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


async def test_response_answers_through_the_openai_sdk(gateway: Gateway) -> None:
    response = await gateway.client().responses.create(model="playground-mini", instructions="Be helpful.",
                                                       input="Say hello to the platform.", store=False)

    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.model == "playground-mini"
    assert response.instructions == "Be helpful."
    assert [item.type for item in response.output] == ["message"]
    assert response.output_text == "Playground reply to: Say hello to the platform."
    assert response.usage is not None
    assert response.usage.input_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


async def test_input_items_in_the_shapes_the_agents_sdk_sends_reach_the_model(gateway: Gateway) -> None:
    response = await gateway.client().responses.create(model="playground-mini", input=[
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "First question"},
        {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "First answer", "annotations": []}]},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Second question"}]},
    ], include=["reasoning.encrypted_content"], max_output_tokens=64, temperature=0.1)

    assert response.output_text == "Playground reply to: Second question"
    assert response.max_output_tokens == 64


async def test_streamed_response_follows_the_responses_event_sequence(gateway: Gateway) -> None:
    client = gateway.client()
    whole = await client.responses.create(model="playground-mini", input="Say hello to the platform.")

    async with client.responses.stream(model="playground-mini", input="Say hello to the platform.") as stream:
        events = [event async for event in stream]
        final = await stream.get_final_response()

    kinds = [event.type for event in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert kinds.count("response.output_text.delta") > 2
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert final.output_text == whole.output_text
    assert final.status == "completed"
    assert final.usage is not None and whole.usage is not None
    assert final.usage.output_tokens == whole.usage.output_tokens


async def test_stream_is_sent_with_event_lines_and_no_done_marker(gateway: Gateway) -> None:
    request = {"model": "playground-mini", "input": "Hi", "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{gateway.llm_url}/responses", json=request
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = (await response.aread()).decode()

    frames = [frame.split("\n") for frame in body.strip().split("\n\n")]
    for lines in frames:
        assert json.loads(lines[1].removeprefix("data: "))["type"] == lines[0].removeprefix("event: ")
    assert "[DONE]" not in body


async def test_function_call_round_trip(gateway: Gateway) -> None:
    client = gateway.client()

    first = await client.responses.create(model="playground-mini", input=ECHO_REQUEST, tools=[RESPONSES_ECHO_TOOL],
                                          parallel_tool_calls=False)

    [call] = first.output
    assert call.type == "function_call"
    assert call.name == "echo__echo"
    assert call.id and call.id.startswith("fc_")
    assert "hello world" in json.loads(call.arguments)["message"]
    assert first.tools[0].type == "function" and first.tools[0].name == "echo__echo"

    second = await client.responses.create(model="playground-mini", tools=[RESPONSES_ECHO_TOOL], input=[
        {"role": "user", "content": ECHO_REQUEST},
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "hello world"},
    ])

    assert second.output_text == "Tool echo__echo returned: hello world"


async def test_streamed_function_call_arrives_as_argument_deltas(gateway: Gateway) -> None:
    async with gateway.client().responses.stream(model="playground-mini", input=ECHO_REQUEST,
                                                 tools=[RESPONSES_ECHO_TOOL]) as stream:
        events = [event async for event in stream]
        final = await stream.get_final_response()

    deltas = [event for event in events if event.type == "response.function_call_arguments.delta"]
    [done] = [event for event in events if event.type == "response.function_call_arguments.done"]
    assert len(deltas) > 1
    assert "".join(delta.delta for delta in deltas) == done.arguments
    [call] = final.output
    assert call.type == "function_call"
    assert call.arguments == done.arguments
    assert call.status == "completed"


async def test_tool_choice_none_and_a_named_function_are_honoured(gateway: Gateway) -> None:
    client = gateway.client()
    weather = {"type": "function", "name": "weather", "description": "Weather forecast for a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": False}

    declined = await client.responses.create(model="playground-mini", input=ECHO_REQUEST,
                                             tools=[RESPONSES_ECHO_TOOL], tool_choice="none")
    forced = await client.responses.create(model="playground-mini", input=ECHO_REQUEST,
                                           tools=[RESPONSES_ECHO_TOOL, weather],
                                           tool_choice={"type": "function", "name": "weather"})

    assert [item.type for item in declined.output] == ["message"]
    assert [item.name for item in forced.output if item.type == "function_call"] == ["weather"]


async def test_json_schema_text_format_is_parsed_by_the_sdk(gateway: Gateway) -> None:
    class Greeting(BaseModel):
        greeting: str
        words: int

    parsed = await gateway.client().responses.parse(model="playground-mini", input="Hi there",
                                                    text_format=Greeting)

    assert isinstance(parsed.output_parsed, Greeting)
    assert parsed.output_parsed.greeting


async def test_previous_response_id_is_a_400_saying_the_gateway_stores_nothing(gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        await gateway.client().responses.create(model="playground-mini", input="Hi",
                                                previous_response_id="resp_123")

    assert raised.value.code == "unsupported_parameter"
    assert "previous_response_id" in raised.value.message
    assert "whole conversation" in raised.value.message


@pytest.mark.parametrize("fields, complaint", [
    ({"input": []}, "'input'"),
    ({"tools": [{"type": "web_search"}]}, "function tools only"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "item references"),
    ({"input": [{"type": "function_call_output", "output": "x"}]}, "call_id"),
    ({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}, "input_file"),
    ({"text": {"format": {"type": "xml"}}}, "text.format"),
    ({"tool_choice": {"type": "mcp"}, "tools": [RESPONSES_ECHO_TOOL]}, "tool_choice"),
    ({"max_output_tokens": -1}, "max_output_tokens"),
])
async def test_requests_the_gateway_cannot_serve_are_400s_in_openai_error_format(
        gateway: Gateway, fields: dict[str, Any], complaint: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{gateway.llm_url}/responses",
                                     json={"model": "playground-mini", "input": "Hi", **fields})

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert complaint in response.json()["error"]["message"]


async def test_unknown_model_is_a_404_in_openai_error_format(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        await gateway.client().responses.create(model="gpt-9-ultra", input="Hi")

    assert raised.value.code == "model_not_found"


async def test_response_call_is_recorded_with_run_trace_and_agent(gateway: Gateway) -> None:
    response = await gateway.client(**CALLER).responses.create(model="playground-mini", input=ECHO_REQUEST,
                                                               tools=[RESPONSES_ECHO_TOOL])

    [call] = await gateway.wait_for_calls(1)

    assert response.usage is not None
    assert call["run_id"] == "run-9"
    assert (call["agent"], call["provider"], call["status"]) == ("agents-sdk-agent", "playground", 200)
    assert call["prompt_tokens"] == response.usage.input_tokens
    assert call["tool_calls"] == ["echo__echo"]


# --- through an OpenAI-compatible upstream --------------------------------------------------------------


async def test_openai_compatible_upstream_answers_through_chat_completions(relayed: Gateway,
                                                                          upstream: FakeUpstream) -> None:
    response = await relayed.client().responses.create(
        model="gpt-4o-mini", instructions="Be nice.", input="Say hello.", max_output_tokens=50,
        text={"format": {"type": "json_schema", "name": "greeting", "strict": True,
                         "schema": {"type": "object", "properties": {"g": {"type": "string"}}}}})

    assert response.output_text == "Hello from upstream"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (19, 3, 22)
    headers, body = upstream.requests[0]
    assert headers["authorization"] == f"Bearer {UPSTREAM_KEY}"
    assert body == {
        "model": "gpt-4o-mini", "max_tokens": 50, "stream": False,
        "messages": [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "Say hello."}],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "greeting", "strict": True, "schema": {"type": "object", "properties": {"g": {"type": "string"}}}}},
    }


async def test_function_call_round_trip_through_an_upstream(relayed: Gateway, upstream: FakeUpstream) -> None:
    client = relayed.client()
    first = await client.responses.create(model="gpt-4o-mini", input=ECHO_REQUEST, tools=[RESPONSES_ECHO_TOOL])
    [call] = first.output
    assert call.type == "function_call"

    second = await client.responses.create(model="gpt-4o-mini", tools=[RESPONSES_ECHO_TOOL], input=[
        {"role": "user", "content": ECHO_REQUEST}, call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "echoed!"}])

    assert call.call_id == "call_Qm3Xv8Zb2Lk9"
    assert json.loads(call.arguments) == {"message": ECHO_REQUEST}
    assert second.output_text == "Tools returned echoed!"
    assert upstream.requests[0][1]["tools"] == [{"type": "function", "function": {
        "name": "echo__echo", "description": RESPONSES_ECHO_TOOL["description"],
        "parameters": RESPONSES_ECHO_TOOL["parameters"], "strict": False}}]
    assert upstream.requests[1][1]["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": call.call_id, "type": "function", "function": {"name": "echo__echo", "arguments": call.arguments}}]},
        {"role": "tool", "tool_call_id": call.call_id, "content": "echoed!"},
    ]


async def test_stream_from_an_upstream_is_translated_chunk_by_chunk(relayed: Gateway, upstream: FakeUpstream) -> None:
    upstream.hold_after_first_chunk = asyncio.Event()
    texts: list[str] = []

    async with asyncio.timeout(5):  # a buffering translation would wait for the held upstream forever
        async with relayed.client().responses.stream(model="gpt-4o-mini", input="Say hello.") as stream:
            async for event in stream:
                if event.type == "response.output_text.delta":
                    texts.append(event.delta)
                    if event.delta == "Hello":
                        upstream.hold_after_first_chunk.set()
            final = await stream.get_final_response()

    assert "".join(texts) == "Hello from upstream"
    assert final.usage is not None and final.usage.total_tokens == 22


async def test_streamed_function_call_through_an_upstream(relayed: Gateway) -> None:
    async with relayed.client().responses.stream(model="gpt-4o-mini", input=ECHO_REQUEST,
                                                 tools=[RESPONSES_ECHO_TOOL]) as stream:
        final = await stream.get_final_response()

    [call] = final.output
    assert call.type == "function_call"
    assert json.loads(call.arguments) == {"message": ECHO_REQUEST}


async def test_max_output_tokens_reaches_openai_as_max_completion_tokens(
        sqlite_gateway: Gateway, upstream: FakeUpstream, register_provider: RegisterProvider) -> None:
    await register_provider(sqlite_gateway, name="openai", kind="openai", base_url=f"{upstream.url}/v1",
                            api_key=UPSTREAM_KEY, models=[{"name": "gpt-5-mini"}])

    await sqlite_gateway.client().responses.create(model="gpt-5-mini", input="Hi", max_output_tokens=40)

    sent = upstream.requests[0][1]
    assert sent["max_completion_tokens"] == 40
    assert "max_tokens" not in sent


async def test_upstream_failing_mid_stream_is_an_error_event(relayed: Gateway, upstream: FakeUpstream) -> None:
    upstream.error_mid_stream = {"error": {"message": f"overloaded (key {UPSTREAM_KEY})", "type": "server_error"}}
    request = {"model": "gpt-4o-mini", "input": "Hi", "stream": True}

    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{relayed.llm_url}/responses", json=request
    ) as response:
        body = (await response.aread()).decode()

    last = json.loads(body.strip().split("\n\n")[-1].split("\n")[1].removeprefix("data: "))
    assert last["type"] == "error"
    assert last["code"] == "upstream_error"
    assert "overloaded" in last["message"]
    assert UPSTREAM_KEY not in body
    assert "response.completed" not in body
