"""Trace context travels through events, HTTP and log lines; settings read the environment."""

import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry import baggage, trace
from pydantic import SecretStr

from runagents_common import telemetry
from runagents_common.db.database import Database
from runagents_common.events.catalog import AgentDeleted
from runagents_common.events.envelope import new_envelope
from runagents_common.http import service_client
from runagents_common.settings import PlatformSettings, RunMode
from runagents_common.telemetry import (
    JsonLogFormatter,
    TracingMiddleware,
    continued_span,
    current_trace_headers,
    current_trace_id,
    trace_id_of,
    tracer,
)
from runagents_common.testing import serve_app

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


pytestmark = pytest.mark.usefixtures("sdk_tracer_provider")


def hex_trace_id(span: trace.Span) -> str:
    return format(span.get_span_context().trace_id, "032x")


def test_new_envelope_inside_a_span_carries_its_trace_id() -> None:
    with tracer().start_as_current_span("publish") as span:
        envelope = new_envelope("agent.deleted.v1", "/runagents/test", AgentDeleted(agent="a"))

    assert envelope.traceparent is not None
    assert trace_id_of(envelope.traceparent) == hex_trace_id(span)
    assert envelope.traceparent.split("-")[2] == format(span.get_span_context().span_id, "016x")
    assert envelope.trace_headers()["traceparent"] == envelope.traceparent


def test_new_envelope_outside_a_span_has_no_trace() -> None:
    envelope = new_envelope("agent.deleted.v1", "/runagents/test", AgentDeleted(agent="a"))
    assert envelope.traceparent is None
    assert envelope.trace_headers() == {}


def test_continued_span_continues_the_trace_in_the_headers() -> None:
    with continued_span("consume agent.deleted.v1", {"traceparent": TRACEPARENT}) as span:
        assert hex_trace_id(span) == TRACE_ID
        assert current_trace_id() == TRACE_ID
        parent = getattr(span, "parent", None)
        assert parent is not None and format(parent.span_id, "016x") == PARENT_SPAN_ID
        assert format(span.get_span_context().span_id, "016x") != PARENT_SPAN_ID
    assert current_trace_id() is None


def test_consumer_span_continues_the_trace_of_the_event() -> None:
    with tracer().start_as_current_span("producer") as producer:
        envelope = new_envelope("agent.deleted.v1", "/runagents/test", AgentDeleted(agent="a"))
    with continued_span("consumer", envelope.trace_headers()) as consumer:
        assert hex_trace_id(consumer) == hex_trace_id(producer)


def test_continued_span_without_trace_starts_a_new_one() -> None:
    with continued_span("consume", {}) as span:
        assert span.get_span_context().is_valid
        assert hex_trace_id(span) != TRACE_ID


@pytest.mark.parametrize(
    ("header", "expected"),
    [(TRACEPARENT, TRACE_ID), (None, None), ("", None), ("garbage", None), ("00-short-00f067aa0ba902b7-01", None)],
)
def test_trace_id_of(header: str | None, expected: str | None) -> None:
    assert trace_id_of(header) == expected


def log_line(logger: logging.Logger, message: str, **extra: object) -> dict[str, object]:
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, message, (), None, extra=extra)
    parsed: dict[str, object] = json.loads(JsonLogFormatter().format(record))
    return parsed


def test_json_log_line_names_the_current_trace() -> None:
    logger = logging.getLogger("runagents.test")
    with tracer().start_as_current_span("work") as span:
        entry = log_line(logger, "hello %s", event_id="e1", agent="a")

    assert entry["message"] == "hello %s"
    assert entry["level"] == "warning"
    assert entry["logger"] == "runagents.test"
    assert entry["trace_id"] == hex_trace_id(span)
    assert entry["span_id"] == format(span.get_span_context().span_id, "016x")
    assert (entry["event_id"], entry["agent"]) == ("e1", "a")
    assert isinstance(entry["time"], str)


def test_json_log_line_outside_a_span_and_with_an_exception() -> None:
    formatter = JsonLogFormatter()
    try:
        raise KeyError("missing")
    except KeyError:
        record = logging.getLogger("runagents.test").makeRecord(
            "runagents.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "failed: x"
    assert "trace_id" not in entry
    assert "KeyError" in entry["error"]


def traced_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(TracingMiddleware)

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        return {"trace_id": current_trace_id(), "traceparent": request.headers.get("traceparent")}

    return app


async def test_tracing_middleware_continues_the_callers_trace() -> None:
    transport = httpx.ASGITransport(app=traced_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        continued = (await client.get("/whoami", headers={"traceparent": TRACEPARENT})).json()
        fresh = (await client.get("/whoami")).json()

    assert continued["trace_id"] == TRACE_ID
    assert fresh["trace_id"] is not None
    assert fresh["trace_id"] != TRACE_ID


async def test_tracing_middleware_continues_the_callers_trace_when_nothing_records_spans(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telemetry, "_spans_recorded", False)
    app = traced_app()

    @app.get("/inside")
    async def inside() -> dict[str, str | bool | None]:
        span = trace.get_current_span()
        return {"trace_id": current_trace_id(), "span_id": format(span.get_span_context().span_id, "016x"),
                "recording": span.is_recording(), "baggage": baggage.get_baggage("tenant"),
                "sent": current_trace_headers().get("traceparent")}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        continued = (await client.get("/inside", headers={"traceparent": TRACEPARENT, "baggage": "tenant=acme"})).json()
        fresh = [(await client.get("/inside")).json() for _ in range(2)]

    assert (continued["trace_id"], continued["baggage"], continued["recording"]) == (TRACE_ID, "acme", False)
    assert continued["span_id"] != PARENT_SPAN_ID
    assert continued["sent"] == f"00-{TRACE_ID}-{continued['span_id']}-00"
    assert all(answer["trace_id"] is not None and answer["trace_id"] != TRACE_ID for answer in fresh)
    assert fresh[0]["trace_id"] != fresh[1]["trace_id"]


@pytest.fixture
async def live_server() -> AsyncIterator[str]:
    """The traced app served by uvicorn on a free local port."""
    async with serve_app(traced_app()) as url:
        yield url


async def test_service_client_sends_the_current_trace(live_server: str) -> None:
    async with service_client(live_server) as client:
        with tracer().start_as_current_span("call") as span:
            answer = (await client.get("/whoami")).json()

    assert answer["trace_id"] == hex_trace_id(span)
    assert trace_id_of(answer["traceparent"]) == hex_trace_id(span)


# --- settings ------------------------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("DATABASE_URL", "RUNAGENTS_DATABASE_URL", "AMQP_URL", "RUNAGENTS_AMQP_URL", "RUNAGENTS_MODE",
                 "RUNAGENTS_DATA_DIR", "RUNAGENTS_BUS_NAMESPACE", "RUNAGENTS_POLICY_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("variable", ["RUNAGENTS_DATABASE_URL", "DATABASE_URL"])
def test_database_url_is_read_from_either_variable(clean_env: pytest.MonkeyPatch, variable: str) -> None:
    url = "postgresql+asyncpg://svc:pw@db.example:5432/runagents"
    clean_env.setenv(variable, url)
    assert PlatformSettings().database_url.get_secret_value() == url


@pytest.mark.parametrize("variable", ["RUNAGENTS_AMQP_URL", "AMQP_URL"])
def test_amqp_url_is_read_from_either_variable(clean_env: pytest.MonkeyPatch, variable: str) -> None:
    url = "amqp://svc:pw@mq.example:5672/"
    clean_env.setenv(variable, url)
    assert PlatformSettings().amqp_url.get_secret_value() == url


def test_prefixed_variable_wins_over_the_plain_one(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RUNAGENTS_DATABASE_URL", "postgresql+asyncpg://prefixed@db/x")
    clean_env.setenv("DATABASE_URL", "postgresql+asyncpg://plain@db/x")
    assert PlatformSettings().database_url.get_secret_value() == "postgresql+asyncpg://prefixed@db/x"


def test_settings_never_show_the_passwords(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql+asyncpg://svc:db-s3cret@db.example/runagents")
    clean_env.setenv("AMQP_URL", "amqp://svc:mq-s3cret@mq.example:5672/")
    settings = PlatformSettings()

    assert isinstance(settings.database_url, SecretStr)
    assert isinstance(settings.amqp_url, SecretStr)
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "db-s3cret" not in shown
        assert "mq-s3cret" not in shown


def test_other_settings_use_the_prefix(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("RUNAGENTS_MODE", "dev")
    clean_env.setenv("RUNAGENTS_BUS_NAMESPACE", "ns")
    clean_env.setenv("RUNAGENTS_DATA_DIR", str(tmp_path))
    clean_env.setenv("RUNAGENTS_POLICY_URL", "http://policy:9000/")
    settings = PlatformSettings()

    assert settings.mode is RunMode.DEV
    assert settings.bus_namespace == "ns"
    assert settings.service_url("policy") == "http://policy:9000"
    assert settings.service_url("runs") == "http://127.0.0.1:8000"


async def test_database_for_service_follows_the_mode(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dev = Database.for_service(PlatformSettings(mode=RunMode.DEV, data_dir=tmp_path / "data"), "runs")
    distributed = Database.for_service(
        PlatformSettings(mode=RunMode.DISTRIBUTED, database_url=SecretStr("postgresql+asyncpg://u:p@h/db")), "runs"
    )
    try:
        assert dev.is_sqlite
        assert dev.url.endswith(str(tmp_path / "data" / "runs.db"))
        assert (tmp_path / "data").is_dir()
        assert not distributed.is_sqlite
        assert distributed.schema == "runs"
    finally:
        await dev.dispose()
        await distributed.dispose()
