"""One error base and one handler that renders RFC 9457 problem+json."""

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from runagents_common.telemetry import request_trace_id

PROBLEM_JSON = "application/problem+json"
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "instance"})
log = logging.getLogger("runagents.errors")


class RunAgentsError(Exception):
    """A domain error with an HTTP status and a stable code; services raise its subclasses."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal error"

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        """Response headers the error needs (e.g. ``WWW-Authenticate`` on a 401)."""
        self.extra = extra


class InvalidRequest(RunAgentsError):
    """The request is well-formed but asks for something that cannot be done (422)."""

    status = 422
    code = "invalid_request"
    title = "Invalid request"


class BadRequest(RunAgentsError):
    """The request cannot be read (400)."""

    status = 400
    code = "bad_request"
    title = "Bad request"


class InvalidJson(BadRequest):
    """The request body is not JSON (400); :func:`invalid_json` says where it breaks."""

    code = "invalid_json"


def invalid_json(error: ValueError) -> InvalidJson:
    """The 400 for a body that did not parse: ``request body is not valid JSON: <why> at line L column C``."""
    if isinstance(error, json.JSONDecodeError):
        return InvalidJson(f"request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
    if isinstance(error, UnicodeDecodeError):
        return InvalidJson("request body is not valid JSON: it is not UTF-8 text")
    return InvalidJson(f"request body is not valid JSON: {error}")


class Unauthorized(RunAgentsError):
    """The caller did not prove who it is (401); carries a ``WWW-Authenticate`` challenge in ``headers``."""

    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(RunAgentsError):
    """The caller is known but may not do this (403); the detail names the role it needs."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(RunAgentsError):
    """The named resource does not exist (404)."""

    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(RunAgentsError):
    """The resource exists already or is in a state that forbids the change (409)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(RunAgentsError):
    """The request body is over a limit (413)."""

    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class Unavailable(RunAgentsError):
    """A dependency this request needs is not ready (503)."""

    status = 503
    code = "unavailable"
    title = "Service unavailable"


class BadGateway(RunAgentsError):
    """An upstream answered wrongly or not at all (502)."""

    status = 502
    code = "bad_gateway"
    title = "Bad gateway"


def problem_response(
    status: int, title: str, detail: str, code: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    """Render a problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:runagents:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    for key, value in extra.items():  # extension members never replace the standard ones
        body.setdefault(key, value)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


DATABASE_RETRY_AFTER_SECONDS = 5
"""What a 503 for an unreachable database asks the client to wait before retrying."""


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the database cannot be reached
    right now (refused, reset or lost connections, a server starting or shutting down), as opposed
    to a query it refused."""
    import asyncpg
    from sqlalchemy import exc as sa

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa.OperationalError | sa.InterfaceError | sa.DisconnectionError | sa.TimeoutError):
            return True
        if isinstance(current, ConnectionError | asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError
                      | asyncpg.AdminShutdownError | asyncpg.CrashShutdownError | asyncpg.ConnectionDoesNotExistError
                      | asyncpg.InterfaceError):
            return True
        current = current.__cause__ or current.__context__
    return False


def database_unavailable_response(instance: str | None = None) -> JSONResponse:
    """The 503 problem+json (with ``Retry-After``) of a request that could not reach its database."""
    response = problem_response(
        503,
        "Service unavailable",
        "database unavailable: the request could not reach the database; retry shortly",
        "database_unavailable",
        instance=instance,
    )
    response.headers["retry-after"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` answer problem+json, never a stack trace."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RunAgentsError)
        extra = {k: v for k, v in exc.extra.items() if k not in _STANDARD_MEMBERS}
        response = problem_response(
            exc.status, exc.title, exc.detail, exc.code, instance=request.url.path, **extra
        )
        response.headers.update(exc.headers)
        return response

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        unreadable = _json_decode_error(exc)
        if unreadable is not None:  # a body that is not JSON cannot be read at all: 400, not 422
            return await on_domain_error(request, invalid_json(unreadable))
        errors = [
            {"location": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
        return problem_response(
            422, "Invalid request", detail, "validation_error", instance=request.url.path, errors=errors
        )

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        response = problem_response(
            exc.status_code,
            _reason(exc.status_code),
            str(exc.detail),
            f"http_{exc.status_code}",
            instance=request.url.path,
        )
        if exc.headers:  # e.g. Allow on 405, Retry-After, WWW-Authenticate
            response.headers.update(exc.headers)
        return response

    async def on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        if _is_unstorable_text(exc):
            return problem_response(
                422, "Invalid request", "a text field contains the NUL character (\\u0000), which cannot be stored",
                "validation_error", instance=request.url.path,
            )
        if is_database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                        type(exc).__name__)
            return database_unavailable_response(request.url.path)
        # The answer names no file, path or exception text: those go to the log, found by the trace id.
        trace_id = request_trace_id(request.scope) or uuid.uuid4().hex
        log.exception("unhandled error on %s %s (trace %s)", request.method, request.url.path, trace_id)
        return problem_response(
            500, "Internal error", f"internal error (trace id {trace_id})", "internal_error", trace_id=trace_id
        )

    app.add_exception_handler(RunAgentsError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    # Errors from the database or the network answered with a 503 (or a 422) are expected answers, not
    # crashes: handled below Starlette's last-resort handler, which re-raises after answering and makes the
    # server drop the connection, so a proxy that reuses it loses the next request (ReadError, 502).
    import asyncpg
    from sqlalchemy.exc import SQLAlchemyError

    for expected in (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        app.add_exception_handler(expected, on_unexpected_error)
    app.add_exception_handler(Exception, on_unexpected_error)


def _json_decode_error(exc: RequestValidationError) -> json.JSONDecodeError | None:
    """The decode error FastAPI met reading a JSON body, or None when the body parsed."""
    errors = exc.errors()
    if len(errors) != 1 or errors[0].get("type") != "json_invalid":
        return None
    why = str((errors[0].get("ctx") or {}).get("error") or "JSON decode error")
    location = errors[0].get("loc", ())
    position = location[1] if len(location) == 2 and isinstance(location[1], int) else 0
    document = exc.body if isinstance(exc.body, str) else ""
    return json.JSONDecodeError(why, document, min(position, len(document)))


# SQLSTATE 22021 character_not_in_repertoire: Postgres stores no NUL in text, whatever the client sent.
_UNSTORABLE_TEXT_SQLSTATE = "22021"


def _is_unstorable_text(exc: BaseException) -> bool:
    original = getattr(exc, "orig", None)
    return getattr(original, "sqlstate", None) == _UNSTORABLE_TEXT_SQLSTATE


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
