"""HTTP client for service-to-service calls, carrying the trace context."""

import httpx
from pydantic import SecretStr

from runagents_common.telemetry import current_trace_headers

IDLE_CONNECTION_SECONDS = 2.0
"""How long a pooled connection to another service is kept idle: less than the 5 s after which the services' server
(uvicorn) closes one. With both at 5 s, a request sent on a connection as the server closed it failed with
RemoteProtocolError (seen as a deploy's 503 "the policy service did not answer")."""


async def _inject_trace(request: httpx.Request) -> None:
    for key, value in current_trace_headers().items():
        request.headers.setdefault(key, value)


def service_client(base_url: str, timeout: float = 10.0, *, key: SecretStr | None = None) -> httpx.AsyncClient:
    """An HTTP client for another service's API that propagates the current trace and, given this service's ``key``
    (``PlatformSettings.service_key``), calls as this service's principal."""
    headers = {"authorization": f"Bearer {key.get_secret_value()}"} if key is not None else None
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, headers=headers, event_hooks={"request": [_inject_trace]},
        limits=httpx.Limits(keepalive_expiry=IDLE_CONNECTION_SECONDS),
    )
