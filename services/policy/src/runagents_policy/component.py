"""The policy service: tool and identity provider registries, access policy and the egress layer."""

from dataclasses import dataclass, field
from pathlib import Path

import httpx

from runagents_common.db import Database
from runagents_common.db.inbox import combined_handlers
from runagents_common.db.outbox import Outbox
from runagents_common.service import ServiceComponent
from runagents_policy.audit.consumers import HANDLERS as AUDIT_HANDLERS
from runagents_policy.audit.endpoints import router as audit_router
from runagents_policy.db import Base, OutboxMessage, ProcessedEvent
from runagents_policy.egress.endpoints import router as egress_router
from runagents_policy.grants.consumers import HANDLERS as GRANT_HANDLERS
from runagents_policy.identity_providers.consumers import HANDLERS as IDENTITY_PROVIDER_HANDLERS
from runagents_policy.identity_providers.endpoints import router as identity_providers_router
from runagents_policy.principals.endpoints import routers as principal_routers
from runagents_policy.principals.store import PrincipalStore
from runagents_policy.settings import PolicySettings
from runagents_policy.signin.links import SignInLinks
from runagents_policy.signin.oidc_pages import OidcSignIn, oidc_sign_in
from runagents_policy.signin.oidc_pages import router as oidc_router
from runagents_policy.signin.pages import router as sign_in_router
from runagents_policy.starter.echo import echo_tool
from runagents_policy.starter.echo import router as echo_router
from runagents_policy.tools import service as tools
from runagents_policy.tools.endpoints import router as tools_router

# Importing the models registers their tables on the metadata.
from runagents_policy.audit import models as _audit  # noqa: F401  isort: skip
from runagents_policy.grants import models as _grants  # noqa: F401  isort: skip
from runagents_policy.identity_providers import models as _identity_providers  # noqa: F401  isort: skip
from runagents_policy.principals import models as _principals  # noqa: F401  isort: skip
from runagents_policy.tools import models as _tools  # noqa: F401  isort: skip

SERVICE = "policy"


@dataclass
class PolicyContext:
    settings: PolicySettings
    http: httpx.AsyncClient
    principals: PrincipalStore
    sign_in_links: SignInLinks = field(default_factory=SignInLinks)
    oidc: OidcSignIn | None = None
    """Sign-in through the platform's OpenID Connect provider, when one is configured."""


def create_component(settings: PolicySettings | None = None) -> ServiceComponent:
    settings = settings or PolicySettings()
    database = Database.for_service(settings, SERVICE)
    # With authentication off nothing asks who a credential is: no secret is needed (nor any service key valid).
    service_keys_secret = "" if settings.auth_disabled else settings.service_keys_secret().get_secret_value()
    principals = PrincipalStore(database, service_keys_secret)
    oidc = None if settings.auth_disabled else oidc_sign_in(settings)
    context = PolicyContext(settings, httpx.AsyncClient(timeout=settings.egress_timeout_seconds), principals,
                            oidc=oidc)

    async def seed_starter_kit() -> None:
        if settings.seed_starter_kit:
            async with database.session() as session:
                await tools.reconcile(session, echo_tool(settings.service_url("policy")))

    async def close_http() -> None:
        await context.http.aclose()
        if oidc is not None:
            await oidc.aclose()

    return ServiceComponent(
        name=SERVICE,
        routers=[tools_router, identity_providers_router, egress_router, echo_router, *principal_routers,
                 sign_in_router, oidc_router, audit_router],
        database=database,
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        outbox=Outbox(OutboxMessage, source=f"/runagents/{SERVICE}"),
        processed_events=ProcessedEvent,
        handlers=combined_handlers(GRANT_HANDLERS, IDENTITY_PROVIDER_HANDLERS, AUDIT_HANDLERS),
        on_startup=[seed_starter_kit],
        on_shutdown=[close_http],
        context=context,
        authenticator=principals,
    )
