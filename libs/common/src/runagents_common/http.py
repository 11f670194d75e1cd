"""HTTP client for service-to-service calls, carrying the trace context."""

import httpx
from pydantic import SecretStr

from runagents_common.telemetry import current_trace_headers


async def _inject_trace(request: httpx.Request) -> None:
    for key, value in current_trace_headers().items():
        request.headers.setdefault(key, value)


def service_client(base_url: str, timeout: float = 10.0, *, key: SecretStr | None = None) -> httpx.AsyncClient:
    """An HTTP client for another service's API that propagates the current trace and, given this service's ``key``
    (``PlatformSettings.service_key``), calls as this service's principal."""
    headers = {"authorization": f"Bearer {key.get_secret_value()}"} if key is not None else None
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, headers=headers, event_hooks={"request": [_inject_trace]}
    )
