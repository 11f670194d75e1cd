"""``POST /llm/v1/messages``: what the anthropic SDK with ANTHROPIC_BASE_URL=<platform>/llm reaches.

The request goes the way a chat completion goes (same routes, providers, usage events); only the
wire format differs. Callers authenticate with ``x-api-key`` or ``Authorization: Bearer``; the
gateway never forwards either.
"""

import contextlib
from collections.abc import AsyncGenerator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from runagents_gateway.llm import service
from runagents_gateway.llm.anthropic.errors import AnthropicRoute, error_body
from runagents_gateway.llm.anthropic.messages import message, new_message_id
from runagents_gateway.llm.anthropic.requests import chat_request, stop_sequences
from runagents_gateway.llm.anthropic.stream import MessageStream
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatChunks
from runagents_gateway.llm.errors import LlmError
from runagents_gateway.llm.handlers import begin_call
from runagents_gateway.llm.requests import read_json_object, wants_stream
from runagents_gateway.llm.sse import EventStream, named_sse_event

router = APIRouter(route_class=AnthropicRoute)


@router.post("/v1/messages", response_model=None)
async def messages(request: Request) -> Response:
    """Anthropic's Messages API over any chat model the gateway serves; errors in Anthropic's format."""
    call, gateway = await begin_call(request)
    body, _ = await read_json_object(request, gateway.context.settings.max_request_bytes)
    stream = wants_stream(body)
    chat = chat_request(body)
    sequences = stop_sequences(body)
    if not stream:
        answer = await service.chat_answer(gateway.context.wire, chat, call)
        return JSONResponse(message(answer.completion, message_id=new_message_id(), model=call.model,
                                    stop_sequences=sequences), headers=answer.headers)
    chunks = await service.chat_stream(gateway.context.wire, chat, call)
    translator = MessageStream(new_message_id(), call.model, sequences)
    return EventStream(_events(chunks, translator, call), call, headers=chunks.headers, on_close=chunks.aclose)


async def _events(chunks: ChatChunks, translator: MessageStream, call: LlmCall) -> AsyncGenerator[bytes, None]:
    for name, data in translator.start():
        yield named_sse_event(name, data)
    async with contextlib.aclosing(chunks.chunks) as source:
        try:
            async for chunk in source:
                for name, data in translator.feed(chunk):
                    yield named_sse_event(name, data)
        except LlmError as exc:
            # Headers are sent: the failure can only be told in the stream (the SDK raises on it).
            call.status = exc.status
            yield named_sse_event("error", error_body(exc))
            return
    for name, data in translator.finish():
        yield named_sse_event(name, data)
