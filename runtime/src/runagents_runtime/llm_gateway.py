"""Chat completions through the platform's LLM gateway (OpenAI wire format)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from runagents_runtime.events import ContentDelta, Usage
from runagents_runtime.outbound_http import TRANSPORT_ERRORS, OutboundHttp, iter_lines
from runagents_runtime.problems import GatewayUnavailable
from runagents_runtime.propagation import CallKind, outbound_headers

_BODY_EXCERPT_CHARS = 500


@dataclass(frozen=True)
class FunctionCall:
    """A function call the model asked for."""

    id: str
    name: str
    arguments: str

    def as_message_part(self) -> dict[str, Any]:
        """Return the call as it appears in an assistant message's `tool_calls`."""
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True)
class ModelReply:
    """One assistant message from the gateway."""

    content: str
    function_calls: tuple[FunctionCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    model: str = ""

    def as_message(self) -> dict[str, Any]:
        """Return the reply as an assistant message to append to the conversation."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.function_calls:
            message["tool_calls"] = [call.as_message_part() for call in self.function_calls]
        return message


class LLMGateway:
    """Client of the gateway's chat-completions endpoint, sharing the app's HTTP session."""

    def __init__(self, http: OutboundHttp, url: str) -> None:
        self._http = http
        self._url = url

    async def chat(self, payload: dict[str, Any], *, stream: bool) -> AsyncIterator[ContentDelta | ModelReply]:
        """Send one chat request; yield content deltas when streaming, then the complete reply."""
        if not stream:
            yield await self._complete(payload)
            return
        request = {**payload, "stream": True, "stream_options": {"include_usage": True}}
        try:
            headers = outbound_headers(kind=CallKind.LLM)
            async with self._http.session.post(self._url, json=request, headers=headers) as response:
                if response.status >= 400:
                    raise self._error_status(response.status, await response.text(errors="replace"))
                if not response.headers.get("Content-Type", "").startswith("text/event-stream"):
                    # A gateway may ignore "stream" and answer in one piece.
                    reply = self._parse_completion(await response.text(errors="replace"))
                    if reply.content:
                        yield ContentDelta(reply.content)
                    yield reply
                    return
                accumulator = _StreamAccumulator()
                # Line by line as the chunks arrive: a long answer is relayed, never buffered.
                async for line in iter_lines(response.content):
                    delta = accumulator.feed(line)
                    if delta:
                        yield ContentDelta(delta)
                yield accumulator.reply()
        except TRANSPORT_ERRORS as exc:
            raise self._error_transport(exc) from exc

    async def _complete(self, payload: dict[str, Any]) -> ModelReply:
        try:
            headers = outbound_headers(kind=CallKind.LLM)
            async with self._http.session.post(self._url, json=payload, headers=headers) as response:
                status = response.status
                text = await response.text(errors="replace")
        except TRANSPORT_ERRORS as exc:
            raise self._error_transport(exc) from exc
        if status >= 400:
            raise self._error_status(status, text)
        return self._parse_completion(text)

    def _parse_completion(self, text: str) -> ModelReply:
        try:
            body = json.loads(text)
            message = body["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise GatewayUnavailable(
                f"LLM gateway at {self._url} returned a response that is not a chat completion: {_excerpt(text)}"
            ) from None
        calls = tuple(
            FunctionCall(
                id=call.get("id") or _new_call_id(),
                name=call.get("function", {}).get("name", ""),
                arguments=call.get("function", {}).get("arguments") or "{}",
            )
            for call in message.get("tool_calls") or []
        )
        return ModelReply(
            content=message.get("content") or "",
            function_calls=calls,
            usage=_usage(body.get("usage")),
            model=body.get("model") or "",
        )

    def _error_status(self, status: int, text: str) -> GatewayUnavailable:
        return GatewayUnavailable(
            f"LLM gateway at {self._url} answered HTTP {status}: {_excerpt(text)}",
            upstream_status=status,
        )

    def _error_transport(self, exc: BaseException) -> GatewayUnavailable:
        return GatewayUnavailable(f"LLM gateway at {self._url} is unreachable: {type(exc).__name__}: {exc}")


class _StreamAccumulator:
    """Rebuilds one assistant message from OpenAI `chat.completion.chunk` SSE lines."""

    def __init__(self) -> None:
        self._content: list[str] = []
        self._calls: dict[int, dict[str, str]] = {}
        self._usage = Usage()
        self._model = ""

    def feed(self, line: str) -> str:
        """Consume one SSE line; return the content text it adds, if any."""
        if not line.startswith("data:"):
            return ""
        data = line[len("data:") :].strip()
        if not data or data == "[DONE]":
            return ""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise GatewayUnavailable(f"LLM gateway sent a malformed stream chunk: {_excerpt(data)}") from None
        self._model = chunk.get("model") or self._model
        if chunk.get("usage"):
            self._usage = _usage(chunk["usage"])
        text = ""
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                slot = self._calls.setdefault(call.get("index", 0), {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
        self._content.append(text)
        return text

    def reply(self) -> ModelReply:
        """Return the assembled message."""
        calls = tuple(
            FunctionCall(id=slot["id"] or _new_call_id(), name=slot["name"], arguments=slot["arguments"] or "{}")
            for _, slot in sorted(self._calls.items())
        )
        return ModelReply(content="".join(self._content), function_calls=calls, usage=self._usage, model=self._model)


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    prompt = int(raw.get("prompt_tokens") or 0)
    completion = int(raw.get("completion_tokens") or 0)
    return Usage(prompt, completion, int(raw.get("total_tokens") or prompt + completion))


def _new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _BODY_EXCERPT_CHARS else text[:_BODY_EXCERPT_CHARS] + "…"
