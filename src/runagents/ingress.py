"""``runagents ingress``: one address in front of the distributed services, routing by path prefix
(what a Kubernetes Ingress does in production). Bodies are streamed both ways."""

import contextlib
import socket
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from runagents.listening import serve
from runagents.routes import service_for
from runagents_common.errors import problem_response
from runagents_common.settings import PlatformSettings

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer", "host", "content-length"}


def create_ingress_app(settings: PlatformSettings | None = None) -> Starlette:
    settings = settings or PlatformSettings()
    client = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=5))

    async def forward(request: Request) -> Response:
        service = service_for(request.url.path)
        if service is None:
            return problem_response(404, "Not found", f"no service serves {request.url.path}", "http_404")
        if any(segment in (".", "..") for segment in request.url.path.split("/")):
            # Resolved here, it would reach another path (another service, tool or agent) than the one routed.
            return problem_response(400, "Bad request", "the path holds a dot segment (. or .., also as %2e)",
                                    "dot_segment")
        # The path as sent, not as decoded: an encoded slash (%2f) stays one for the service to judge.
        target = settings.service_url(service) + (request.scope.get("raw_path") or b"").decode("latin-1")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream_request = client.build_request(request.method, target, params=request.query_params,
                                                headers=headers, content=request.stream())
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            return problem_response(502, "Bad gateway", f"the {service} service did not answer ({type(exc).__name__})",
                                    "bad_gateway")
        response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
        return StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code, headers=response_headers,
                                 background=BackgroundTask(upstream.aclose))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


def run_ingress(sock: socket.socket) -> None:
    """Serve the ingress on ``sock``."""
    host, port = sock.getsockname()[:2]
    print(f"RunAgents ingress on {host}:{port}", flush=True)
    serve(create_ingress_app(), sock)
