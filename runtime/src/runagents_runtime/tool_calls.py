"""Executing the model's function calls as HTTP requests to the agent's tools."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from runagents_runtime.config import RuntimeConfig, ToolRoute
from runagents_runtime.events import ToolCallRecord
from runagents_runtime.llm_gateway import FunctionCall

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
    query: Mapping[str, Any] | None
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

    def __init__(self, http: httpx.AsyncClient, config: RuntimeConfig) -> None:
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
            response = await self._http.request(request.method, request.url, params=request.query, json=request.body)
        except httpx.HTTPError as exc:
            record = ToolCallRecord(call.name, request.method, request.url, None)
            detail = f"tool {route.tool!r} is unreachable: {type(exc).__name__}: {exc}"
            return ToolOutcome(call, _error_json(detail), record)
        record = ToolCallRecord(call.name, request.method, request.url, response.status_code)
        if response.is_success:
            return ToolOutcome(call, response.text, record)
        return ToolOutcome(call, _http_error_json(response), record)


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


def _http_error_json(response: httpx.Response) -> str:
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text
    result: dict[str, Any] = {"error": f"tool answered HTTP {response.status_code}", "status": response.status_code}
    if response.status_code == 403 and APPROVAL_REQUIRED in response.text:
        # The platform holds this call until a human approves it; the model should say so, not retry.
        result["approval_required"] = True
    result["body"] = body
    return json.dumps(result)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _query_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    return value
