"""The client services call each other with."""

import uvicorn
from fastapi import FastAPI

from runagents_common.http import IDLE_CONNECTION_SECONDS, service_client


async def test_a_pooled_connection_is_dropped_before_the_server_would_close_it() -> None:
    # Equal idle times raced: a request went out on a connection the server was closing (RemoteProtocolError).
    server_idle = uvicorn.Config(FastAPI()).timeout_keep_alive
    async with service_client("http://127.0.0.1:9") as client:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry == IDLE_CONNECTION_SECONDS < server_idle
