"""``runagents setup-identity``: the keys a distributed platform's processes start with.

Writes ``RUNAGENTS_SERVICE_KEYS_SECRET`` (the policy service verifies the services' keys with it), each
service's own key ``RUNAGENTS_<SERVICE>_SERVICE_KEY`` (derived from that secret: ``derive_service_key``) and
``RUNAGENTS_ADMIN_KEY`` (an admin key every process accepts, for the first sign-in and for scripts). A secret
or admin key already in the environment is kept, so running it again gives the same lines.
"""

import os
import secrets
import sys
from pathlib import Path

from runagents.env_files import emit_env_lines
from runagents_common.auth.service_keys import derive_service_key
from runagents_common.events.catalog import Service

SECRET_ENV = "RUNAGENTS_SERVICE_KEYS_SECRET"
ADMIN_KEY_ENV = "RUNAGENTS_ADMIN_KEY"


def service_key_env(service: Service) -> str:
    """The variable ``service`` reads its own key from (``PlatformSettings.service_key``)."""
    return f"RUNAGENTS_{service.value.upper()}_SERVICE_KEY"


def identity_settings(secret: str, admin_key: str) -> dict[str, str]:
    """The variables and their values: the secret, each service's key under it, the admin key."""
    return {SECRET_ENV: secret,
            **{service_key_env(service): derive_service_key(secret, service) for service in Service},
            ADMIN_KEY_ENV: admin_key}


def setup_identity(env_file: Path | None) -> None:
    """Write (or print) the identity settings, keeping a secret and admin key already set."""
    kept = [name for name in (SECRET_ENV, ADMIN_KEY_ENV) if os.environ.get(name)]
    settings = identity_settings(os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
                                 os.environ.get(ADMIN_KEY_ENV) or secrets.token_urlsafe(32))
    emit_env_lines([f"{name}={value}" for name, value in settings.items()], env_file)
    if env_file is None:
        return
    made = "kept " + " and ".join(kept) + " from the environment" if kept else "new secret and admin key"
    print(f"service keys of {', '.join(s.value for s in Service)} and the admin key are in {env_file} ({made}); "
          "give each service only its own RUNAGENTS_<SERVICE>_SERVICE_KEY, "
          f"and {SECRET_ENV} to the policy service alone", file=sys.stderr)
