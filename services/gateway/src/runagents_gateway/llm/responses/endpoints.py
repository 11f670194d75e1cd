"""``POST /llm/v1/responses``: OpenAI's Responses API, as the OpenAI Agents SDK's default model
(``OpenAIResponsesModel``) calls it with OPENAI_BASE_URL=<platform>/llm/v1.

The request goes the way a chat completion goes (same routes, providers, usage events); errors
are in OpenAI's format, as on every OpenAI path.
"""

import contextlib
from collections.abc import AsyncGenerator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from runagents_gateway.llm import service
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatChunks
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.handlers import LlmRoute, begin_call
from runagents_gateway.llm.requests import read_json_object, wants_stream
from runagents_gateway.llm.responses.output import new_id, response, response_shell
from runagents_gateway.llm.responses.requests import chat_request
from runagents_gateway.llm.responses.stream import ResponseStream
from runagents_gateway.llm.sse import EventStream, named_sse_event

router = APIRouter(route_class=LlmRoute)


@router.post("/v1/responses", response_model=None)
async def responses(request: Request) -> Response:
    """OpenAI's Responses API over any chat model the gateway serves; stateless (no previous_response_id)."""
    call, gateway = await begin_call(request)
    body, _ = await read_json_object(request, gateway.context.settings.max_request_bytes)
    stream = wants_stream(body)
    chat = chat_request(body)
    if not stream:
        answer = await service.chat_answer(gateway.context.wire, chat, call)
        shell = response_shell(body, response_id=new_id("resp"), model=call.model)
        return JSONResponse(response(shell, answer.completion), headers=answer.headers)
    chunks = await service.chat_stream(gateway.context.wire, chat, call)
    translator = ResponseStream(response_shell(body, response_id=new_id("resp"), model=call.model))
    return EventStream(_events(chunks, translator, call), call, headers=chunks.headers, on_close=chunks.aclose)


async def _events(chunks: ChatChunks, translator: ResponseStream, call: LlmCall) -> AsyncGenerator[bytes, None]:
    for event in translator.start():
        yield named_sse_event(event["type"], event)
    async with contextlib.aclosing(chunks.chunks) as source:
        try:
            async for chunk in source:
                for event in translator.feed(chunk):
                    yield named_sse_event(event["type"], event)
        except LlmError as exc:
            # Headers are sent: the failure can only be told in the stream.
            call.status = exc.status
            failure = translator.failed(exc.code, exc.message)
            yield named_sse_event(failure["type"], failure)
            return
    for event in translator.finish():
        yield named_sse_event(event["type"], event)
