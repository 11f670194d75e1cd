from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from runagents_common.direct_routes import DirectRoute, DirectRoutes


class GuardedRoute(DirectRoute):
    """Answers its own failures, as a direct route must."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        endpoint = self.endpoint

        async def guarded(request: Request) -> Response:
            try:
                return JSONResponse(await endpoint(request))
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=422)

        return guarded


class RouterCalls:
    """Counts the requests that reached the application below the direct routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["app"].state.routed.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def app_with_direct_routes() -> FastAPI:
    app = FastAPI()
    app.state.routed = []
    app.add_middleware(RouterCalls)
    app.add_middleware(DirectRoutes)
    router = APIRouter(prefix="/wire", route_class=GuardedRoute)

    @router.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        body = await request.json()
        if "fail" in body:
            raise ValueError("asked to fail")
        return {"echo": body, "header": request.headers.get("x-marker"), "app": request.app is app}

    @router.get("/models")
    async def models(request: Request) -> dict[str, Any]:
        return {"models": ["m"]}

    app.include_router(router)

    @app.get("/plain")
    async def plain() -> dict[str, bool]:
        return {"plain": True}

    return app


async def test_a_direct_route_is_routed_once_then_reached_directly_with_the_whole_request() -> None:
    app = app_with_direct_routes()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answers = [await client.post("/wire/echo", json={"n": n}, headers={"x-marker": str(n)}) for n in range(3)]

    assert [a.json() for a in answers] == [{"echo": {"n": n}, "header": str(n), "app": True} for n in range(3)]
    assert app.state.routed == [("POST", "/wire/echo")]


async def test_a_direct_route_answers_its_own_failures_on_the_direct_path() -> None:
    app = app_with_direct_routes()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post("/wire/echo", json={})
        failed = await client.post("/wire/echo", json={"fail": True})

    assert (failed.status_code, failed.json()) == (422, {"error": "asked to fail"})
    assert len(app.state.routed) == 1


async def test_other_routes_wrong_methods_and_unknown_paths_go_through_the_router_every_time() -> None:
    app = app_with_direct_routes()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        plain = [await client.get("/plain") for _ in range(2)]
        wrong_method = [await client.post("/wire/models") for _ in range(2)]
        unknown = [await client.post("/wire/nothing") for _ in range(2)]
        models = [await client.get("/wire/models") for _ in range(2)]

    assert [a.status_code for a in plain + wrong_method + unknown + models] == [200, 200, 405, 405, 404, 404, 200, 200]
    assert models[1].json() == {"models": ["m"]}
    assert app.state.routed == [("GET", "/plain")] * 2 + [("POST", "/wire/models")] * 2 + \
        [("POST", "/wire/nothing")] * 2 + [("GET", "/wire/models")]


async def test_a_direct_route_stays_in_the_openapi_document() -> None:
    app = app_with_direct_routes()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        paths = (await client.get("/openapi.json")).json()["paths"]

    assert {"/wire/echo", "/wire/models", "/plain"} <= set(paths)


def test_a_direct_route_takes_the_request_alone() -> None:
    router = APIRouter(route_class=GuardedRoute)

    async def named(request: Request, name: str) -> dict[str, str]:
        return {}

    async def with_dependency(request: Request, user: str = Depends(lambda: "u")) -> dict[str, str]:
        return {}

    async def by_request(request: Request) -> dict[str, str]:
        return {}

    for path, endpoint in (("/n", named), ("/d", with_dependency), ("/items/{item}", by_request)):
        with pytest.raises(TypeError, match="takes only `request: Request`"):
            router.add_api_route(path, endpoint)
