"""RFC 9457 problem details: one error base and the handlers that render it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:runagents:problem:"


class RuntimeProblem(Exception):
    """An error the runtime reports to its caller as problem+json."""

    status: int = 500
    code: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def type_uri(self) -> str:
        """The problem type URI, stable per error class."""
        return _TYPE_PREFIX + self.code


class InvokeKeyRefused(RuntimeProblem):
    """An invoke came without the deployment's invoke key, or with another: it did not come from the platform."""

    status = 401
    code = "invoke-key-refused"
    title = "Not the platform"


class GatewayUnavailable(RuntimeProblem):
    """The LLM gateway could not be reached or answered with an error."""

    status = 502
    code = "llm-gateway-unavailable"
    title = "LLM gateway unavailable"


class GatewayNotConfigured(RuntimeProblem):
    """The runtime was started without LLM_GATEWAY_URL."""

    status = 503
    code = "llm-gateway-not-configured"
    title = "LLM gateway not configured"


class GatewayNotReady(RuntimeProblem):
    """The gateway health check failed."""

    status = 503
    code = "llm-gateway-not-ready"
    title = "LLM gateway not ready"


class UserCodeUnavailable(RuntimeProblem):
    """The agent's code could not be loaded at start-up."""

    status = 503
    code = "user-code-unavailable"
    title = "Agent code failed to load"


class UserCodeNotLoaded(RuntimeProblem):
    """The agent's code is still loading, or failed to (readiness)."""

    status = 503
    code = "user-code-not-loaded"
    title = "Agent code not loaded"


class AgentProcessEnded(RuntimeProblem):
    """The process running the agent's code ended; the runtime stops too."""

    status = 503
    code = "agent-process-ended"
    title = "Agent process ended"


class UserCodeFailed(RuntimeProblem):
    """The agent's code raised while handling a request."""

    status = 500
    code = "user-code-failed"
    title = "Agent code raised an error"


def problem_response(
    status: int, title: str, detail: str, *, problem_type: str = "about:blank", **extensions: Any
) -> JSONResponse:
    """Return a problem+json response."""
    body = {"type": problem_type, "title": title, "status": status, "detail": detail, **extensions}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def problem_body(problem: RuntimeProblem) -> dict[str, Any]:
    """Return the problem+json body of a runtime problem (also used for SSE error events)."""
    return {
        "type": problem.type_uri,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        **problem.extensions,
    }


async def _runtime_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RuntimeProblem)
    return JSONResponse(problem_body(exc), status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else title
    response = problem_response(exc.status_code, title, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return problem_response(422, "Invalid request", summary or "The request body is invalid", errors=errors)


async def _unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this response is sent, so the server logs the traceback once.
    return problem_response(500, "Internal error", f"Unexpected {type(exc).__name__} in the agent runtime")


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can produce as problem+json."""
    app.add_exception_handler(RuntimeProblem, _runtime_problem)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
