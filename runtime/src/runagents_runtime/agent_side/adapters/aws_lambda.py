"""`lambda_handler(event, context)` / `handler(event, context)` written for AWS Lambda.

A handler that reads `event["body"]` expects API Gateway's proxy event: it gets one, with the
message as a JSON body. Others get {"message", "history"}. A proxy response
({"statusCode", "body"}) answers with its body's text (the answer field of a JSON body).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, finished
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

BODY_ACCESS = re.compile(r"""\[\s*['"]body['"]\s*\]|\.get\(\s*['"]body['"]""")
ANSWER_KEYS = ("response", "answer", "output", "message", "reply", "text", "result", "content")


class LambdaError(RuntimeError):
    """The handler answered with an error status code."""


class LambdaContext:
    """The attributes and method of Lambda's context object that handlers use."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "runagents"
        self._deadline = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def recognizes(obj: object) -> bool:
    return callable(obj) and not isinstance(obj, type)


def reads_body(obj: Any) -> bool:
    """True when the handler's source (or its module's) reads event["body"]."""
    for source_of in (obj, inspect.getmodule(obj)):
        try:
            if source_of is not None and BODY_ACCESS.search(inspect.getsource(source_of)):
                return True
        except (OSError, TypeError):
            continue
    return False


def api_gateway_event(turn: Turn) -> dict[str, Any]:
    body = json.dumps({"message": turn.message, "history": list(turn.history)})
    return {
        "resource": "/invoke", "path": "/invoke", "httpMethod": "POST", "rawPath": "/invoke",
        "headers": {"content-type": "application/json", "Content-Type": "application/json"},
        "queryStringParameters": None, "pathParameters": None, "isBase64Encoded": False,
        "requestContext": {"http": {"method": "POST", "path": "/invoke"}, "httpMethod": "POST",
                           "requestId": str(uuid.uuid4()), "stage": "$default"},
        "body": body,
    }


def answer_text(result: Any) -> str:
    """The text of a Lambda result: a proxy response's body (its answer field when JSON), or the value."""
    if isinstance(result, Mapping) and "statusCode" in result:
        status = int(result.get("statusCode") or 200)
        body = result.get("body", "")
        if isinstance(body, str):
            with contextlib.suppress(ValueError):
                body = json.loads(body)
        text = _body_text(body)
        if status >= 400:
            raise LambdaError(f"the handler answered {status}: {text[:500]}")
        return text
    return _body_text(result)


def _body_text(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ANSWER_KEYS:
            if isinstance(body.get(key), str):
                return str(body[key])
    return response_text(body)


def bind(obj: Any) -> RunTurn:
    proxy = reads_body(obj)
    name = getattr(obj, "__name__", "handler")

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        event = api_gateway_event(turn) if proxy else {"message": turn.message, "history": list(turn.history)}
        result = await call(obj, event, LambdaContext(name))
        async for item in finished(turn, answer_text(result)):
            yield item

    return run
