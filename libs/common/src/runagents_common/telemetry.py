"""Tracing and logging: OpenTelemetry spans with W3C trace context carried through
HTTP and message headers, and JSON log lines that name the trace they belong to."""

import functools
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, DEFAULT_ON
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_configured = False
_spans_recorded: bool | None = None
"""Whether this process records (exports) spans; None until ``setup_telemetry`` decides it."""
_ids = RandomIdGenerator()

MAX_LOG_TEXT_CHARS = 8192
"""The longest message, or exception text, one log record carries: past it the middle is cut out, so an
upload's megabyte file name quoted in an error cannot make a megabyte log line."""

NO_FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's native telemetry switched off: ``TracingMiddleware`` makes the one server span."""


def setup_telemetry(service_name: str, *, log_level: str = "INFO", log_json: bool = True,
                    otlp_endpoint: str | None = None) -> None:
    """Install the tracer provider and the log format once per process.

    Spans are recorded only when they are exported: with no OTLP endpoint every span is a
    non-recording one, which still carries trace and span ids into logs, events and outgoing
    headers, at a fraction of a recorded span's cost on every request."""
    global _configured, _spans_recorded
    if _configured:
        return
    _configured = True
    _spans_recorded = bool(otlp_endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                              sampler=DEFAULT_ON if otlp_endpoint else ALWAYS_OFF)
    if otlp_endpoint:  # pragma: no cover - needs a collector
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    trace.set_tracer_provider(provider)
    bound_log_records()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter() if log_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level.upper())
    for noisy in ("aiormq", "aio_pika", "httpx", "httpcore", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def bounded_text(text: str, limit: int = MAX_LOG_TEXT_CHARS) -> str:
    """``text`` if it is at most ``limit`` characters; else its head and tail around a marker saying how
    many characters were cut (a traceback's last line names the error, so the tail is kept too)."""
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[:keep]} ...[{len(text) - 2 * keep} characters cut]... {text[len(text) - keep:]}"


def bound_log_records(limit: int = MAX_LOG_TEXT_CHARS) -> None:
    """Bound the message and exception text of every log record made in this process from now on,
    whichever handler writes it (ours, uvicorn's, a library's): done where records are made, since
    handlers are many. Records within the bound are left untouched (their ``args`` too, which some
    formatters read). Installed once; calling it again changes nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "bounds_log_records", False):
        return

    def make_bounded_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the handler's to report, as logging does
            return record
        if len(message) > limit:
            record.msg, record.args = bounded_text(message, limit), None
        if record.exc_info and not record.exc_text:
            record.exc_text = bounded_text(_exception_text(record), limit)
        if record.stack_info and len(record.stack_info) > limit:
            record.stack_info = bounded_text(record.stack_info, limit)
        return record

    make_bounded_record.bounds_log_records = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_bounded_record)


_plain_formatter = logging.Formatter()


def _exception_text(record: logging.LogRecord) -> str:
    assert record.exc_info
    return _plain_formatter.formatException(record.exc_info)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the current trace and span ids; message and error bounded."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": bounded_text(record.getMessage()),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        for key in ("event_id", "event_type", "service", "agent", "run_id"):
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["error"] = bounded_text(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


@functools.cache
def tracer(name: str = "runagents") -> trace.Tracer:
    """The tracer of a component (made once: a new tracer per span would cost every request).
    One asked for before the tracer provider is set is a proxy that follows it once set."""
    return trace.get_tracer(name)


def current_trace_headers() -> dict[str, str]:
    """The current trace context (traceparent, tracestate, baggage) as headers to send on."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def current_trace_id() -> str | None:
    """The current trace id as 32 hex digits, or None outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


_SPAN_CONTEXT_SCOPE_KEY = "runagents.span_context"


def request_trace_id(scope: Scope) -> str | None:
    """The trace id of the HTTP request ``scope`` belongs to (kept by :class:`TracingMiddleware`), even
    after its span ended, e.g. in the handler of an error that escaped the app."""
    span_context = scope.get(_SPAN_CONTEXT_SCOPE_KEY)
    if isinstance(span_context, SpanContext) and span_context.is_valid:
        return format(span_context.trace_id, "032x")
    return None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id inside a W3C traceparent header, or None if it is malformed."""
    if not traceparent:
        return None
    parts = traceparent.split("-")
    if len(parts) != 4 or len(parts[1]) != 32:
        return None
    return parts[1]


@contextmanager
def continued_span(name: str, headers: Mapping[str, str], kind: SpanKind = SpanKind.CONSUMER,
                   attributes: Mapping[str, str] | None = None) -> Iterator[Span]:
    """Run a block inside a span that continues the trace carried by ``headers``."""
    parent = propagate.extract(dict(headers))
    token = otel_context.attach(parent)
    try:
        with tracer().start_as_current_span(name, kind=kind, attributes=dict(attributes or {})) as span:
            yield span
    finally:
        otel_context.detach(token)


def _unrecorded_server_span(headers: Mapping[str, str]) -> otel_context.Context:
    """The context a request runs in when nothing records spans: what the SDK's tracer makes of such
    a server span (the caller's trace and baggage continued, or a new trace, under a span id of its
    own, not sampled), at a fifth of its cost per request."""
    parent = propagate.extract(headers)
    caller = trace.get_current_span(parent).get_span_context()
    span = NonRecordingSpan(SpanContext(
        trace_id=caller.trace_id if caller.is_valid else _ids.generate_trace_id(),
        span_id=_ids.generate_span_id(), is_remote=False, trace_flags=TraceFlags(TraceFlags.DEFAULT),
        trace_state=caller.trace_state))
    return trace.set_span_in_context(span, parent)


_header_names: tuple[object, frozenset[bytes]] | None = None


def _propagated_header_names() -> frozenset[bytes]:
    """The header names the global propagators read, as ASGI gives them (lower case bytes); worked
    out again only when the propagators change (a composite propagator builds the set on each ask)."""
    global _header_names
    textmap = propagate.get_global_textmap()
    if _header_names is None or _header_names[0] is not textmap:
        _header_names = (textmap, frozenset(name.lower().encode("latin-1") for name in textmap.fields))
    return _header_names[1]


class TracingMiddleware:
    """ASGI middleware: one server span per HTTP request, continuing the caller's trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Only the headers the propagators read: decoding every header of every request costs the hot path.
        fields = _propagated_header_names()
        headers = {raw_name.decode("latin-1"): value.decode("latin-1") for raw_name, value in scope.get("headers", [])
                   if raw_name in fields}
        if _spans_recorded is False:
            server_context = _unrecorded_server_span(headers)
            scope[_SPAN_CONTEXT_SCOPE_KEY] = trace.get_current_span(server_context).get_span_context()
            token = otel_context.attach(server_context)
            try:
                await self.app(scope, receive, send)
            finally:
                otel_context.detach(token)
            return
        name = f"{scope.get('method', 'GET')} {scope.get('path', '')}"
        with continued_span(name, headers, kind=SpanKind.SERVER) as span:
            scope[_SPAN_CONTEXT_SCOPE_KEY] = span.get_span_context()

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_with_status)
