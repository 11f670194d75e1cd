"""The gateway's connection to model providers: one aiohttp session for the process, which keeps one
pool of connections per upstream host, and retries with backoff before any byte reached the client.

aiohttp rather than httpx: relaying through it costs about a third of the CPU per call
(bench/gateway.py measures both passthroughs side by side).
"""

import asyncio
import logging
import random
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger("runagents.gateway.upstream")

# 529 is Anthropic's "overloaded".
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
MAX_BACKOFF_SECONDS = 8.0


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2
    """Attempts after the first one."""
    base_delay: float = 0.25
    max_delay: float = MAX_BACKOFF_SECONDS
    """A ``retry-after`` longer than this is not waited for: the client gets the 429 and decides."""

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """How long to wait before attempt ``attempt + 1``, or None to stop retrying."""
        if attempt >= self.retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        backoff = min(self.base_delay * (2**attempt), self.max_delay)
        return float(backoff / 2 + random.uniform(0, backoff / 2))


@dataclass
class UpstreamRequest:
    url: str
    payload: bytes
    headers: dict[str, str]
    streaming: bool
    timeout: float
    """Seconds for the whole answer (non-streaming), or between two chunks (streaming)."""
    connect_timeout: float = 10.0
    deadline: float | None = None
    """``time.monotonic()`` after which no retry starts (the request's own timeout)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class UpstreamFailure(Exception):
    """No answer from the provider: it could not be reached, or did not answer in time."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "unreachable")
        self.timed_out = timed_out


class UpstreamResponse:
    """An upstream's answer whose body is read or streamed once, then closed."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers: Mapping[str, str] = response.headers

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _failure(exc) from exc
        finally:
            self._response.release()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        try:
            async for data in self._response.content.iter_any():
                yield data
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _failure(exc) from exc

    async def aclose(self) -> None:
        """Back to the pool when the body was read to its end; a connection left mid-body is dropped."""
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """What ``retry-after-ms`` or ``retry-after`` (seconds; an HTTP date is not waited for) asks."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


class Upstream:
    """The shared client. Created before the event loop runs; its session opens on first use."""

    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies = urllib.request.getproxies_environment()
        self._proxy_by_origin: dict[tuple[str, str], str | None] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0, ttl_dns_cache=300,
                                             keepalive_timeout=60)
            # No cookie jar: one provider's cookies must not ride along with another agent's call.
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                                  trust_env=False, auto_decompress=True)
        return self._session

    async def send(self, request: UpstreamRequest) -> UpstreamResponse:
        """The provider's answer, its headers read. Retries a retryable status or a failed connection
        with backoff while the policy and the deadline allow; the last answer or failure is returned."""
        attempt = 0
        while True:
            try:
                response = await self._send_once(request)
            except UpstreamFailure:
                pause = request.retry.delay(attempt, None)
                if pause is None or _past(request.deadline, pause):
                    raise
                log.info("provider at %s did not answer; retrying in %.2f s", _origin(request.url), pause)
            else:
                if response.status not in RETRYABLE_STATUSES:
                    return response
                pause = request.retry.delay(attempt, retry_after_seconds(response.headers))
                if pause is None or _past(request.deadline, pause):
                    return response
                await response.aclose()
                log.info("provider at %s answered %d; retrying in %.2f s", _origin(request.url), response.status,
                         pause)
            await asyncio.sleep(pause)
            attempt += 1

    async def _send_once(self, request: UpstreamRequest) -> UpstreamResponse:
        if request.streaming:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=request.connect_timeout,
                                            sock_read=request.timeout)
        else:
            timeout = aiohttp.ClientTimeout(total=request.timeout, sock_connect=request.connect_timeout)
        try:
            response = await self._client().post(request.url, data=request.payload, headers=request.headers,
                                                 timeout=timeout, proxy=self._proxy_for(request.url),
                                                 allow_redirects=False)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _failure(exc) from exc
        return UpstreamResponse(response)

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment (HTTPS_PROXY, NO_PROXY, ...) names for ``url``; read once per origin."""
        if not self._proxies:
            return None
        parts = urlsplit(url)
        origin = (parts.scheme, parts.netloc)
        if origin not in self._proxy_by_origin:
            bypass = urllib.request.proxy_bypass(parts.hostname or "")
            self._proxy_by_origin[origin] = None if bypass else self._proxies.get(parts.scheme)
        return self._proxy_by_origin[origin]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _failure(exc: BaseException) -> UpstreamFailure:
    return UpstreamFailure(timed_out=isinstance(exc, TimeoutError))


def _past(deadline: float | None, pause: float) -> bool:
    return deadline is not None and time.monotonic() + pause >= deadline


def _origin(url: str) -> str:
    """Where ``url`` points, for logs: never a user:password@ part."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
