"""Routes a hot path reaches without FastAPI's router.

Routing a request through FastAPI costs a walk over every included router, two exit stacks and an
exception-handling wrapper, which for a call relayed to a model provider is about a fifth of the
process's CPU. A :class:`DirectRoute` is an ordinary API route (in the OpenAPI document, routed by
FastAPI the first time) whose handler needs none of that: its endpoint takes the request alone and
answers every failure itself. Once FastAPI has routed a request to one, :class:`DirectRoutes` sends
later requests with the same method and path straight to its handler.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Awaitable[Response]]


class DirectRoute(APIRoute):
    """An API route whose endpoint takes only ``request: Request`` (no dependencies, no path
    parameters), and whose ``get_route_handler`` answers every failure with a response: nothing
    it raises would reach the application's exception handlers once it is reached directly.

    Dependencies given when its router is included are not run on the direct path: do not give any.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        parameters = list(inspect.signature(endpoint).parameters.values())
        if (len(parameters) != 1 or parameters[0].annotation is not Request or self.dependant.dependencies
                or self.param_convertors):
            raise TypeError(f"{path}: a {type(self).__name__} endpoint takes only `request: Request`, "
                            "no dependencies and no path parameters")
        self.direct_handler: Handler = self.get_route_handler()


class DirectRoutes:
    """ASGI middleware: a request whose method and path FastAPI routed to a :class:`DirectRoute`
    before goes to that route's handler without being routed again."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._handlers: dict[tuple[str, str], Handler] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = (scope["method"], scope["path"])
        handler = self._handlers.get(key)
        if handler is not None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
        # The router recorded the route it chose in the scope; only an exact match of the method is taken
        # (a 405 also names the route whose path matched).
        route = scope.get("route")
        if isinstance(route, DirectRoute) and key[0] in (route.methods or ()):
            self._handlers[key] = route.direct_handler


__all__ = ["DirectRoute", "DirectRoutes"]
