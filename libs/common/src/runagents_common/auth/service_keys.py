"""The credentials of the platform's own services on each other's APIs.

Each service's key is derived from one secret that only the policy service (which verifies them) and the
set-up command hold: ``ras_<service>_<HMAC-SHA256(secret, service)>``. A service holds its own key alone,
so it cannot speak as another; rotating the secret replaces every key at once.
"""

import base64
import hashlib
import hmac

from runagents_common.events.catalog import Service

SERVICE_KEY_PREFIX = "ras_"


def derive_service_key(secret: str, service: Service | str) -> str:
    """The key of ``service`` under ``secret`` (only the platform's services' keys are accepted: see
    :func:`service_of_key`)."""
    name = service.value if isinstance(service, Service) else service
    mac = hmac.new(secret.encode(), b"runagents service key\x00" + name.encode(), hashlib.sha256).digest()
    return f"{SERVICE_KEY_PREFIX}{name}_{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def service_of_key(secret: str, key: str) -> Service | None:
    """The service whose key ``key`` is under ``secret``, or None."""
    if not secret or not key.startswith(SERVICE_KEY_PREFIX):
        return None
    name, _, _mac = key[len(SERVICE_KEY_PREFIX):].partition("_")
    try:
        service = Service(name)
    except ValueError:
        return None
    return service if hmac.compare_digest(derive_service_key(secret, service), key) else None
