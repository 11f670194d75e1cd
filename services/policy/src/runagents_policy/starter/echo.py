"""The starter kit's echo tool, served by the platform so Hello World needs no account."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from runagents_policy.tools.schemas import Capability, ToolIn

ECHO_PATH_PREFIX = "/starter/echo"
router = APIRouter(prefix=ECHO_PATH_PREFIX, tags=["starter kit"])


class EchoRequest(BaseModel):
    message: str = Field(max_length=10_000)


@router.post("/echo")
async def echo(request: EchoRequest) -> dict[str, Any]:
    return {"echo": request.message, "length": len(request.message)}


def echo_tool(platform_url: str) -> ToolIn:
    """The registration of the echo tool on a platform reachable at ``platform_url``."""
    return ToolIn(
        name="echo",
        base_url=f"{platform_url.rstrip('/')}{ECHO_PATH_PREFIX}",
        description="Starter kit: echoes a message back.",
        capabilities=[
            Capability(
                method="POST",
                path="/echo",
                name="echo",
                description="Echo a message back to the caller",
                parameters={
                    "type": "object",
                    "properties": {"message": {"type": "string", "description": "The message to echo"}},
                    "required": ["message"],
                },
            )
        ],
    )
