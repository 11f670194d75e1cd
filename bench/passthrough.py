"""The smallest LLM proxy worth measuring: a FastAPI app relaying chat completions to one upstream.

    python bench/passthrough.py {httpx,aiohttp} PORT UPSTREAM

UPSTREAM is an OpenAI base URL such as http://127.0.0.1:8001/v1. POST /v1/chat/completions reads
the body, parses it only to see whether a stream is asked for, sends it as it came to
UPSTREAM/chat/completions through one client shared by every request (an httpx.AsyncClient or an
aiohttp.ClientSession), and answers with the upstream's status and body, streamed on as it arrives
when asked to stream. One uvicorn worker on uvloop + httptools, no access log: what is left is the
cost of the HTTP client, which bench/gateway.py compares side by side with the gateway's.
"""

import argparse
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import uvicorn
from fastapi import FastAPI, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

JSON = "application/json"
SSE = "text/event-stream"
POOL = 1024


def wants_stream(body: bytes) -> bool:
    parsed = json.loads(body)
    return isinstance(parsed, dict) and bool(parsed.get("stream"))


def upstream_headers(request: Request) -> dict[str, str]:
    return {"content-type": JSON, "authorization": request.headers.get("authorization", "Bearer bench")}


def httpx_app(upstream: str) -> FastAPI:
    """The relay through one shared httpx.AsyncClient."""
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(300, connect=10),
        limits=httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL),
    )

    async def relay(request: Request) -> Response:
        body = await request.body()
        stream = wants_stream(body)
        sent = client.build_request("POST", upstream, content=body, headers=upstream_headers(request))
        answer = await client.send(sent, stream=True)
        if stream:
            return StreamingResponse(
                answer.aiter_raw(), status_code=answer.status_code, media_type=SSE,
                background=BackgroundTask(answer.aclose),
            )
        try:
            content = await answer.aread()
        finally:
            await answer.aclose()
        return Response(content, status_code=answer.status_code, media_type=JSON)

    return relay_app(relay, client.aclose)


def aiohttp_app(upstream: str) -> FastAPI:
    """The relay through one shared aiohttp.ClientSession, made once the event loop runs."""
    sessions: list[aiohttp.ClientSession] = []

    async def open_session() -> None:
        sessions.append(aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL, limit_per_host=POOL),
            timeout=aiohttp.ClientTimeout(sock_connect=10, sock_read=300),
            auto_decompress=False,
        ))

    async def close_session() -> None:
        await sessions[0].close()

    async def relay(request: Request) -> Response:
        body = await request.body()
        stream = wants_stream(body)
        answer = await sessions[0].post(upstream, data=body, headers=upstream_headers(request))
        if stream:
            return StreamingResponse(
                answer.content.iter_any(), status_code=answer.status, media_type=SSE,
                background=BackgroundTask(answer.release),
            )
        try:
            content = await answer.read()
        finally:
            answer.release()
        return Response(content, status_code=answer.status, media_type=JSON)

    return relay_app(relay, close_session, open_session)


def relay_app(relay: Callable[[Request], Any], close: Callable[[], Any],
              open_: Callable[[], Any] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if open_ is not None:
            await open_()
        try:
            yield
        finally:
            await close()

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/v1/chat/completions", relay, methods=["POST"], response_model=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


APPS: dict[str, Callable[[str], FastAPI]] = {"httpx": httpx_app, "aiohttp": aiohttp_app}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("port", type=int)
    parser.add_argument("upstream", help="OpenAI base URL of the upstream, e.g. http://127.0.0.1:8001/v1")
    args = parser.parse_args()
    app = APPS[args.app](args.upstream.rstrip("/") + "/chat/completions")
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", workers=1,
                log_level="warning", access_log=False, backlog=4096)


if __name__ == "__main__":
    main()
