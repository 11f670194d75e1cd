"""Server-sent events of OpenAI's streaming wire: framing our own chunks, and watching relayed ones."""

import asyncio
import json
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from runagents_gateway.llm.calls import LlmCall, answer_pieces

DONE = b"data: [DONE]\n\n"
STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
CLIENT_CLOSED_REQUEST = 499


class EventStream(StreamingResponse):
    """A text/event-stream response that closes its source as soon as it ends, however it ends,
    and records a client that went away mid-stream as status 499.

    ``on_close`` runs after the source closed: it releases what a source that never started
    (a client gone before the first event) would otherwise leave open.
    """

    def __init__(self, events: AsyncGenerator[bytes, None], call: LlmCall, *, status_code: int = 200,
                 headers: Mapping[str, str] | None = None,
                 on_close: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(events, status_code=status_code, headers={**STREAM_HEADERS, **(headers or {})},
                         media_type="text/event-stream")
        self._events = events
        self._call = call
        self._on_close = on_close

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        except (OSError, anyio.get_cancelled_exc_class()):
            self._call.status = CLIENT_CLOSED_REQUEST
            raise
        except Exception:
            self._call.status = 500
            raise
        finally:
            self._call.mark_finished()
            # Shielded: on a disconnect this runs inside a cancelled scope, and the upstream must still close.
            with anyio.CancelScope(shield=True):
                await self._events.aclose()
                if self._on_close is not None:
                    await self._on_close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream, and stop as soon as the client leaves: the upstream is closed at once rather than
        read to its end for no one. (Starlette's own StreamingResponse watches for the disconnect in
        an anyio task group, which costs a stream several times what this one task does.)"""
        streaming = asyncio.current_task()
        assert streaming is not None
        complete = left = False

        async def sent(message: Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True  # the server answers receive() with a disconnect once this is sent
            await send(message)

        async def watch() -> None:
            nonlocal left
            while (await receive())["type"] != "http.disconnect":
                pass
            if not complete:
                left = True
                streaming.cancel()

        watcher = asyncio.get_running_loop().create_task(watch())
        try:
            await self.stream_response(sent)
        except asyncio.CancelledError:
            if not left:
                raise
            streaming.uncancel()
        except OSError:
            pass  # a server on ASGI 2.4 reports the disconnect by raising from send
        finally:
            watcher.cancel()
        # The call is recorded whether the client stayed to the end or not.
        if self.background is not None:
            await self.background()


def sse_event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"


def named_sse_event(name: str, payload: dict[str, Any]) -> bytes:
    """An event with an ``event:`` line, as Anthropic's and the Responses API's streams send them."""
    return f"event: {name}\n".encode() + sse_event(payload)


class SseDecoder:
    """Cuts a byte stream into the ``data`` of its events, however the bytes arrive."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        pending = self._pending + data
        if b"\r" in pending:
            pending = pending.replace(b"\r\n", b"\n")
        *events, self._pending = pending.split(b"\n\n")
        return [payload for event in events if (payload := _data_of(event))]

    def flush(self) -> list[bytes]:
        """The data of an event the stream ended without closing."""
        rest, self._pending = self._pending, b""
        payload = _data_of(rest)
        return [payload] if payload else []


class RelayedStream:
    """Cuts upstream bytes into whole events and forwards each as soon as it is complete.

    Only events that can carry usage, a finish reason or a tool name are parsed, so the relay
    stays cheap; with ``drop_usage_chunk`` the usage-only chunk the gateway asked for on the
    client's behalf (``stream_options.include_usage``) is counted but not forwarded.

    An upstream that ignores ``stream_options`` ends without usage: then the call is counted from
    the pieces of answer seen and ``request`` (``LlmCall.estimate_usage``), and a client that asked
    for usage gets the estimate in a usage chunk of its own before ``[DONE]``.
    """

    def __init__(self, call: LlmCall, *, drop_usage_chunk: bool, request: Mapping[str, Any] | None = None) -> None:
        self._call = call
        self._drop_usage_chunk = drop_usage_chunk
        self._request: Mapping[str, Any] = request or {}
        self._pending = b""
        self._head: dict[str, Any] | None = None
        """The stream's first chunk: its id, created and model go on an estimated usage chunk."""
        self._head_read = False
        self._pieces = 0
        """Pieces of answer seen: each unparsed data event counts as one (servers send a token each)."""
        self._usage_seen = False
        self._estimated = False

    def feed(self, data: bytes) -> bytes:
        """The complete events in ``data`` (plus what was pending), to send on now."""
        pending = self._pending + data
        if b"\r" in pending:
            pending = pending.replace(b"\r\n", b"\n")
        end = pending.rfind(b"\n\n")
        if end < 0:
            self._pending = pending
            return b""
        self._pending = pending[end + 2 :]
        return self._forwarded(pending[: end + 2])

    def flush(self) -> bytes:
        """Whatever the upstream sent after its last complete event, once it ended (normally): with an
        estimated usage chunk if the stream had none and no ``[DONE]`` to put it before."""
        rest, self._pending = self._pending, b""
        forwarded = self._forwarded(rest + b"\n\n") if rest.strip() else b""
        # A stream cut short (an error event, no finish reason) is still counted, but not told a usage.
        if self._call.finish_reason is not None:
            return forwarded + self._estimated_usage()
        self._estimated_usage()
        return forwarded

    def _forwarded(self, events: bytes) -> bytes:
        if not self._head_read:
            self._read_head(events)
        if not _worth_parsing(events) and b"[DONE]" not in events:
            self._pieces += _data_events(events)
            return events
        kept: list[bytes] = []
        for event in events.split(b"\n\n"):
            if not event:
                continue
            if _worth_parsing(event):
                if self._is_dropped(_data_of(event)):
                    continue
            elif event.startswith(b"data:"):
                if b"[DONE]" in event and _data_of(event) == b"[DONE]":
                    kept.append(self._estimated_usage())
                else:
                    self._pieces += 1
            kept.append(event)
            kept.append(b"\n\n")
        return b"".join(kept)

    def _read_head(self, events: bytes) -> None:
        """Keep the stream's first chunk; one that is no piece of answer (the role-only opening chunk)
        and is not parsed later is taken off the count it will get."""
        for event in events.split(b"\n\n"):
            if not event.startswith(b"data:"):
                continue
            self._head_read = True
            data = _data_of(event)
            if data == b"[DONE]":
                return
            try:
                chunk = json.loads(data)
            except ValueError:
                return
            if isinstance(chunk, dict):
                self._head = chunk
                if not _worth_parsing(event) and answer_pieces(chunk) == 0:
                    self._pieces -= 1
            return

    def _is_dropped(self, data: bytes) -> bool:
        if not data or data == b"[DONE]":
            return False
        try:
            chunk = json.loads(data)
        except ValueError:
            return False  # not ours to judge: the client gets it as the upstream sent it
        if not isinstance(chunk, dict):
            return False
        self._call.observe_chunk(chunk)
        self._pieces += answer_pieces(chunk)
        has_usage = isinstance(chunk.get("usage"), dict)
        self._usage_seen = self._usage_seen or has_usage
        return self._drop_usage_chunk and chunk.get("choices") == [] and has_usage

    def _estimated_usage(self) -> bytes:
        """The usage chunk for a stream that had none, to send (once); the call counts it either way.
        A stream without a single chunk has nothing to estimate."""
        if self._usage_seen or self._estimated or self._head is None:
            return b""
        self._estimated = True
        usage = self._call.estimate_usage(self._request, max(self._pieces, 0))
        return b"" if self._drop_usage_chunk else sse_event(usage_chunk(self._head, usage))


def usage_chunk(head: Mapping[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    """A stream's closing usage-only chunk, as OpenAI sends it, for the stream ``head`` opened."""
    return {"id": head.get("id"), "object": "chat.completion.chunk", "created": head.get("created"),
            "model": head.get("model"), "choices": [], "usage": usage}


_VALUED_KEY = re.compile(rb'"(?:usage|finish_reason)"[ \t]*+:[ \t]*+(?!null)')
"""``"usage"`` or ``"finish_reason"`` with a value other than null: a cheap test before parsing."""


def _worth_parsing(event: bytes) -> bool:
    return _VALUED_KEY.search(event) is not None or (b'"tool_calls"' in event and b'"name"' in event)


def _data_events(events: bytes) -> int:
    """How many of ``events`` (whole events) begin with a data line, without cutting them apart."""
    return events.count(b"\n\ndata:") + events.startswith(b"data:")


def _data_of(event: bytes) -> bytes:
    lines = [line[5:].removeprefix(b" ") for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(lines)
