"""Every error of an app with install_error_handlers answers RFC 9457 problem+json."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.db.database import Database
from runagents_common.errors import PROBLEM_JSON, Conflict, NotFound, Unauthorized, install_error_handlers
from runagents_common.telemetry import TracingMiddleware
from runagents_common.testing import TcpProxy, serve_app


class NewThing(BaseModel):
    name: str
    size: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        raise NotFound(f"thing {thing_id} does not exist")

    @app.post("/things")
    async def create_thing(thing: NewThing) -> dict[str, str]:
        raise Conflict(f"thing {thing.name} exists already", existing=thing.name)

    @app.get("/private")
    async def private() -> None:
        raise Unauthorized("the token has expired", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @app.get("/busy")
    async def busy() -> None:
        raise HTTPException(429, "slow down", headers={"Retry-After": "3"})

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("database password is hunter2")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_domain_error_answers_its_status_as_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/7")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "urn:runagents:problem:not_found",
        "title": "Not found",
        "status": 404,
        "detail": "thing 7 does not exist",
        "code": "not_found",
        "instance": "/things/7",
    }


async def test_domain_error_extra_members_are_included(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "box", "size": 1})

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["code"], body["status"], body["existing"]) == ("conflict", 409, "box")


async def test_domain_error_headers_are_sent_and_not_in_the_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/private")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["code"] == "unauthorized" and "headers" not in response.json()


async def test_validation_error_answers_422_listing_the_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"size": "not a number"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "urn:runagents:problem:validation_error"
    assert body["status"] == 422
    assert body["code"] == "validation_error"
    locations = {error["location"] for error in body["errors"]}
    assert locations == {"body.name", "body.size"}
    assert "body.name" in body["detail"]
    assert "body.size" in body["detail"]


async def test_path_parameter_validation_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/things/seven")

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [error["location"] for error in response.json()["errors"]] == ["path.thing_id"]


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "http_404"


async def test_http_exception_keeps_its_headers(client: httpx.AsyncClient) -> None:
    busy = await client.get("/busy")
    assert busy.status_code == 429
    assert busy.headers["content-type"] == PROBLEM_JSON
    assert busy.headers["retry-after"] == "3"
    assert (busy.json()["detail"], busy.json()["code"]) == ("slow down", "http_429")

    wrong_method = await client.delete("/boom")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == PROBLEM_JSON
    assert wrong_method.headers["allow"] == "GET"


async def test_unexpected_exception_answers_500_without_its_text(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["code"], body["title"]) == (500, "internal_error", "Internal error")
    assert "hunter2" not in response.text
    assert "ValueError" not in response.text
    # The exception is logged for operators, not shown to the caller.
    assert any(record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records)


def colliding_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/agents/{name}/start")
    async def start(name: str) -> None:
        raise Conflict(f"agent {name} is running", status="Running", instance="elsewhere", agent=name)

    return app


async def test_extra_members_never_replace_the_standard_ones() -> None:
    transport = httpx.ASGITransport(app=colliding_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/agents/a/start")

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["code"], body["instance"], body["agent"]) == (409, "conflict", "/agents/a/start", "a")


async def test_a_body_that_is_not_json_is_a_400_saying_where_it_breaks(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content='{"name": "box" "size": 1}',
                                 headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["code"]) == (400, "invalid_json")
    assert body["detail"] == "request body is not valid JSON: Expecting ',' delimiter at line 1 column 16"


async def test_a_json_error_on_a_later_line_names_that_line(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", content='{\n  "name": "box",\n  "size": 1,\n}',
                                 headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["detail"].endswith("at line 4 column 1")


async def test_a_500_names_a_trace_id_found_in_the_log_and_no_server_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app()
    app.add_middleware(TracingMiddleware)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    body = response.json()
    assert len(body["trace_id"]) == 32
    assert body["detail"] == f"internal error (trace id {body['trace_id']})"
    assert "instance" not in body and "/boom" not in response.text
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and body["trace_id"] in logged[-1].getMessage() and "/boom" in logged[-1].getMessage()


def database_app(database: Database) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    async def session() -> AsyncIterator[AsyncSession]:
        async with database.session() as unit_of_work:
            yield unit_of_work

    @app.get("/answer")
    async def answer(session: Annotated[AsyncSession, Depends(session)]) -> int:
        return int(await session.scalar(text("SELECT 42")) or 0)

    return app


async def test_a_request_answers_503_while_its_database_is_unreachable(postgres_url: str) -> None:
    """A Postgres outage answered 500 "internal error": it is a 503 the client may retry."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    database = Database(url.set(port=proxy.port).render_as_string(hide_password=False))
    transport = httpx.ASGITransport(app=database_app(database), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/answer")).json() == 42
            await proxy.cut()  # the pooled connection dies and new ones are refused

            for _ in range(2):
                response = await client.get("/answer")
                assert response.status_code == 503, response.text
                assert response.headers["content-type"] == PROBLEM_JSON
                assert response.headers["retry-after"] == "5"
                body = response.json()
                assert (body["code"], body["status"]) == ("database_unavailable", 503)
                assert "database unavailable" in body["detail"]

            await proxy.restore()
            assert (await client.get("/answer")).json() == 42
    finally:
        await proxy.close()
        await database.dispose()


async def test_a_request_answers_503_when_its_database_refuses_connections() -> None:
    database = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")  # nothing listens on port 1
    transport = httpx.ASGITransport(app=database_app(database), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/answer")
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
    finally:
        await database.dispose()


async def test_a_database_outage_answered_503_keeps_the_connection_for_the_next_request() -> None:
    """Answered by Starlette's last-resort handler, the 503 was followed by the server dropping the
    connection: a proxy reusing it (the ingress) lost the next request (ReadError, 502)."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/lost")
    async def lost() -> None:
        raise ConnectionResetError("connection reset by the database")

    async with serve_app(app) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            answers = []
            for _ in range(2):  # both on one connection
                writer.write(f"GET /lost HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                body = await reader.readexactly(length)
                answers.append((head.split(b" ")[1], json.loads(body)["code"]))
        finally:
            writer.close()
    assert answers == [(b"503", "database_unavailable")] * 2
