"""What an /llm endpoint raises reaches the client in the wire's error format, headers kept."""

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from starlette.exceptions import HTTPException

from runagents_common.errors import RunAgentsError
from runagents_gateway.llm.anthropic.errors import AnthropicRoute
from runagents_gateway.llm.handlers import LlmRoute


class SlowDown(RunAgentsError):
    status = 429
    code = "slow_down"


def app_raising(route_class: type[LlmRoute], error: Exception) -> FastAPI:
    router = APIRouter(route_class=route_class)

    @router.post("/llm/v1/fail")
    async def fail(request: Request) -> dict[str, str]:
        raise error

    app = FastAPI()
    app.include_router(router)
    return app


@pytest.mark.parametrize("error", [SlowDown("Wait a little.", headers={"retry-after": "7"}),
                                   HTTPException(429, "Wait a little.", headers={"retry-after": "7"})])
async def test_an_errors_headers_reach_the_client_in_openai_format(error: Exception) -> None:
    transport = httpx.ASGITransport(app=app_raising(LlmRoute, error))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/llm/v1/fail")

    assert (answer.status_code, answer.headers["retry-after"]) == (429, "7")
    assert answer.json()["error"]["message"] == "Wait a little."


async def test_an_errors_headers_reach_the_client_in_anthropic_format() -> None:
    error = SlowDown("Wait a little.", headers={"retry-after": "7"})
    transport = httpx.ASGITransport(app=app_raising(AnthropicRoute, error))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/llm/v1/fail")

    assert (answer.status_code, answer.headers["retry-after"]) == (429, "7")
    assert answer.json()["type"] == "error"
    assert answer.json()["error"]["message"] == "Wait a little."
