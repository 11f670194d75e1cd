"""Executing the model's function calls as HTTP requests to the agent's tools."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from runagents_runtime.config import RuntimeConfig, ToolRoute
from runagents_runtime.events import ToolCallRecord
from runagents_runtime.llm_gateway import FunctionCall
from runagents_runtime.outbound_http import TRANSPORT_ERRORS, OutboundHttp
from runagents_runtime.propagation import CallKind, outbound_headers

APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
_QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD", "OPTIONS"})
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class ToolOutcome:
    """What one function call produced: the text fed back to the model and, if a request was sent, its record."""

    call: FunctionCall
    content: str
    record: ToolCallRecord | None

    @property
    def status(self) -> int | None:
        """The tool's HTTP status, or None when no response came back."""
        return self.record.status if self.record else None


class ToolRequestError(ValueError):
    """The function call cannot be turned into an HTTP request."""


@dataclass(frozen=True)
class ToolRequest:
    """The HTTP request a function call maps to."""

    method: str
    url: str
    query: Mapping[str, str | list[str]] | None
    body: Mapping[str, Any] | None


def build_tool_request(route: ToolRoute, base_url: str, arguments: Mapping[str, Any]) -> ToolRequest:
    """Fill the route's `{param}` placeholders from the arguments; the rest go to the query or JSON body."""
    remaining = dict(arguments)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in remaining:
            raise ToolRequestError(f"missing path parameter {name!r}")
        return quote(_as_text(remaining.pop(name)), safe="")

    path = _PLACEHOLDER.sub(fill, route.path)
    url = base_url.rstrip("/") + path
    if route.method in _QUERY_METHODS:
        query = {name: _query_value(value) for name, value in remaining.items()}
        return ToolRequest(route.method, url, query=query or None, body=None)
    return ToolRequest(route.method, url, query=None, body=remaining)


class ToolExecutor:
    """Runs function calls against the tools in the runtime configuration."""

    def __init__(self, http: OutboundHttp, config: RuntimeConfig) -> None:
        self._http = http
        self._config = config

    async def execute(self, call: FunctionCall) -> ToolOutcome:
        """Run one function call; every failure becomes a result the model can read, never an exception."""
        route = self._config.tool_routes.get(call.name)
        if route is None:
            return _failed(call, f"unknown function {call.name!r}; available: {sorted(self._config.tool_routes)}")
        base_url = self._config.tool_url(route.tool)
        if base_url is None:
            return _failed(call, f"tool {route.tool!r} has no URL configured (TOOL_URL_* is missing)")
        try:
            arguments = _parse_arguments(call.arguments)
            request = build_tool_request(route, base_url, arguments)
        except ToolRequestError as exc:
            return _failed(call, f"cannot call {call.name}: {exc}")
        try:
            headers = outbound_headers(kind=CallKind.TOOL)
            async with self._http.session.request(
                request.method, request.url, params=request.query, json=request.body, headers=headers
            ) as response:
                status = response.status
                text = await response.text(errors="replace")
        except TRANSPORT_ERRORS as exc:
            record = ToolCallRecord(call.name, request.method, request.url, None)
            detail = f"tool {route.tool!r} is unreachable: {type(exc).__name__}: {exc}"
            return ToolOutcome(call, _error_json(detail), record)
        record = ToolCallRecord(call.name, request.method, request.url, status)
        if 200 <= status < 300:
            return ToolOutcome(call, text, record)
        return ToolOutcome(call, _http_error_json(status, text), record)


def _parse_arguments(raw: str) -> dict[str, Any]:
    try:
        arguments = json.loads(raw or "{}")
    except ValueError as exc:
        raise ToolRequestError(f"arguments are not valid JSON ({exc})") from None
    if not isinstance(arguments, dict):
        raise ToolRequestError("arguments must be a JSON object")
    return arguments


def _failed(call: FunctionCall, detail: str) -> ToolOutcome:
    return ToolOutcome(call, _error_json(detail), None)


def _error_json(detail: str) -> str:
    return json.dumps({"error": detail})


def _http_error_json(status: int, text: str) -> str:
    body: Any
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    result: dict[str, Any] = {"error": f"tool answered HTTP {status}", "status": status}
    if status == 403 and APPROVAL_REQUIRED in text:
        # The platform holds this call until a human approves it; the model should say so, not retry.
        result["approval_required"] = True
    result["body"] = body
    return json.dumps(result)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _query_value(value: Any) -> str | list[str]:
    """A query parameter as text: JSON spelling for true/false and objects, empty for null; a list repeats the name."""
    if isinstance(value, list):
        return [_query_text(item) for item in value]
    return _query_text(value)


def _query_text(value: Any) -> str:
    return "" if value is None else _as_text(value)
