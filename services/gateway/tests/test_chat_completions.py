"""The OpenAI wire under /llm, driven by the real openai SDK, routed to the playground provider."""

import json

import httpx
import openai
import pytest

from runagents_common.testing import ADMIN_HEADERS

from .conftest import ECHO_TOOL, Gateway, RegisterProvider

HELLO = [{"role": "system", "content": "You are a helpful agent."},
         {"role": "user", "content": "Say hello to the platform."}]


async def test_chat_completion_answers_through_the_openai_sdk(gateway: Gateway) -> None:
    completion = await gateway.client().chat.completions.create(model="playground-mini", messages=HELLO)

    assert completion.object == "chat.completion"
    assert completion.model == "playground-mini"
    assert completion.choices[0].message.content == "Playground reply to: Say hello to the platform."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


async def test_streaming_chat_sends_the_same_text_and_usage_in_the_final_chunk(gateway: Gateway) -> None:
    client = gateway.client()
    whole = await client.chat.completions.create(model="playground-mini", messages=HELLO)

    stream = await client.chat.completions.create(model="playground-mini", messages=HELLO, stream=True,
                                                  stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert len([c for c in chunks if c.choices]) > 2
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


async def test_streaming_without_include_usage_sends_no_usage_chunk(gateway: Gateway) -> None:
    request = {"model": "playground-mini", "messages": HELLO, "stream": True}
    async with httpx.AsyncClient() as client, client.stream(
        "POST", f"{gateway.llm_url}/chat/completions", json=request
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        payloads = [line.removeprefix("data: ") async for line in response.aiter_lines() if line]

    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert all(chunk["choices"] and "usage" not in chunk for chunk in chunks)


async def test_echo_tool_is_requested_as_a_tool_call(gateway: Gateway) -> None:
    completion = await gateway.client().chat.completions.create(
        model="playground-mini", tools=[ECHO_TOOL],
        messages=[{"role": "user", "content": "Please echo 'hello world' back to me."}],
    )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert call.function.name == "echo__echo"
    assert "hello world" in json.loads(call.function.arguments)["message"]


async def test_streamed_tool_call_arrives_in_argument_pieces(gateway: Gateway) -> None:
    stream = await gateway.client().chat.completions.create(
        model="playground-mini", tools=[ECHO_TOOL], stream=True,
        messages=[{"role": "user", "content": "Please echo 'hello world' back to me."}],
    )
    deltas = [c.choices[0].delta for c in [chunk async for chunk in stream] if c.choices]

    pieces = [tc for d in deltas for tc in (d.tool_calls or [])]
    assert pieces[0].function.name == "echo__echo"
    arguments = "".join(p.function.arguments or "" for p in pieces if p.function)
    assert "hello world" in json.loads(arguments)["message"]


async def test_models_list_names_every_model_of_every_provider(gateway: Gateway,
                                                              register_provider: RegisterProvider) -> None:
    await register_provider(gateway, name="local", kind="openai-compatible", base_url="http://127.0.0.1:9/v1",
                            models=[{"name": "llama-3-8b"}, {"name": "playground-mini"}])

    models = [m async for m in gateway.client().models.list()]

    assert {(m.id, m.owned_by) for m in models} == {
        ("playground-mini", "playground"), ("playground-embed", "playground"),
        ("llama-3-8b", "local"), ("local/playground-mini", "local"),
    }
    assert all(m.object == "model" for m in models)


async def test_embeddings_return_one_unit_vector_per_input(gateway: Gateway) -> None:
    result = await gateway.client().embeddings.create(model="playground-embed", input=["hello", "world"])

    assert [e.index for e in result.data] == [0, 1]
    assert result.data[0].embedding != result.data[1].embedding
    assert sum(x * x for x in result.data[0].embedding) == pytest.approx(1.0)
    assert result.usage.prompt_tokens > 0


async def test_unknown_model_is_a_404_in_openai_error_format(gateway: Gateway) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        await gateway.client().chat.completions.create(model="gpt-9-ultra", messages=HELLO)

    assert raised.value.status_code == 404
    assert raised.value.code == "model_not_found"
    body = raised.value.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["param"] is None
    assert "gpt-9-ultra" in body["error"]["message"]


async def test_request_the_playground_cannot_read_is_a_400_in_openai_error_format(gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        await gateway.client().chat.completions.create(model="playground-mini", messages=[])

    assert raised.value.status_code == 400
    assert raised.value.type == "invalid_request_error"
    assert "messages" in raised.value.message


@pytest.mark.parametrize("content, complaint", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"messages": []}', "'model' is required"),
    (b'{"model": "playground-mini", "messages": [], "stream": "yes"}', "'stream' must be a boolean"),
])
async def test_malformed_body_is_a_400_without_a_stack_trace(gateway: Gateway, content: bytes, complaint: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{gateway.llm_url}/chat/completions", content=content,
                                     headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert complaint in response.json()["error"]["message"]
    assert "Traceback" not in response.text


async def test_provider_prefixed_model_name_routes_to_that_provider(gateway: Gateway) -> None:
    completion = await gateway.client().chat.completions.create(model="playground/playground-mini", messages=HELLO)

    assert completion.model == "playground-mini"


async def test_embedding_model_is_refused_for_chat(gateway: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        await gateway.client().chat.completions.create(model="playground-embed", messages=HELLO)

    assert raised.value.code == "wrong_model_role"


async def test_deleted_provider_stops_serving_its_models_at_once(gateway: Gateway,
                                                                 register_provider: RegisterProvider) -> None:
    await register_provider(gateway, name="claude", kind="anthropic", models=[{"name": "claude-haiku"}])
    async with httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=gateway.url) as api:
        # Served: the request reaches the provider's translation, which finds no messages.
        assert (await api.post("/llm/v1/chat/completions", json={"model": "claude-haiku"})).status_code == 400
        await api.delete("/api/v1/model-providers/claude")

        response = await api.post("/llm/v1/chat/completions", json={"model": "claude-haiku", "messages": HELLO})

    assert response.status_code == 404


async def test_llm_healthz_answers_ok(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{gateway.url}/llm/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

