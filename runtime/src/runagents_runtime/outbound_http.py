"""The runtime's own HTTP client: one aiohttp session for model calls, tool calls and readiness checks.

Only the runtime's calls go through it, and it adds the run's headers (and the agent's token)
itself. The agent's own code (Tier 2) runs in its own process with its own clients, which
agent_side/child/outbound.py patches to carry the run's headers.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import aiohttp

CONNECT_TIMEOUT_SECONDS = 10.0
# Model calls with long tool results or reasoning models can go quiet for minutes.
READ_TIMEOUT_SECONDS = 300.0
# No total and no pool-wait limit: a stream may last long, and a waiting invoke must not fail.
SESSION_TIMEOUT = aiohttp.ClientTimeout(
    total=None, connect=None, sock_connect=CONNECT_TIMEOUT_SECONDS, sock_read=READ_TIMEOUT_SECONDS
)
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)
"""What a call through the session raises when the peer cannot be reached or stops answering."""

_compact_json = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


class OutboundHttp:
    """Holds the shared session, which exists while the app runs (it needs the server's event loop)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open session; only available inside `running()`."""
        if self._session is None:
            raise RuntimeError("the runtime's HTTP session is used outside the app's lifespan")
        return self._session

    @asynccontextmanager
    async def running(self) -> AsyncIterator[aiohttp.ClientSession]:
        """Open the session for the block, closing it and its connections afterwards."""
        # limit=0: every concurrent invoke or stream gets its own connection; a cap would queue
        # streams behind each other. Keep-alive stays on (the connector's default).
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=SESSION_TIMEOUT,
            json_serialize=_compact_json,
            # One session serves every run: a cookie one run's tool sets must not ride along on another's calls.
            cookie_jar=aiohttp.DummyCookieJar(),
            # HTTP(S)_PROXY and NO_PROXY are honoured when set; aiohttp looks them up on every
            # request (~0.1 ms each), so only when there is something to find.
            trust_env=bool(urllib.request.getproxies()),
        )
        self._session = session
        try:
            yield session
        finally:
            self._session = None
            await session.close()


async def iter_lines(content: aiohttp.StreamReader) -> AsyncIterator[str]:
    """Yield the lines of a response body as they arrive (LF or CRLF endings), without a length limit."""
    pending = b""
    async for data in content.iter_any():
        pending += data
        if b"\n" not in data:
            continue
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.removesuffix(b"\r").decode("utf-8", errors="replace")
    if pending:
        yield pending.removesuffix(b"\r").decode("utf-8", errors="replace")
