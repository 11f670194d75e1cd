"""Which service answers which path: the routing table of the ingress (and of deploy/'s Ingress)."""

ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/v1/analyses", "analyzer"),
    ("/api/v1/builds", "builder"),
    ("/api/v1/agents", "deployer"),
    ("/api/v1/model-providers", "gateway"),
    ("/llm", "gateway"),
    ("/api/v1/tools", "policy"),
    ("/api/v1/identity-providers", "policy"),
    ("/api/v1/api-keys", "policy"),
    ("/api/v1/auth", "policy"),
    ("/api/v1/audit", "policy"),
    ("/auth", "policy"),
    ("/egress", "policy"),
    ("/starter", "policy"),
    ("/api/v1/runs", "runs"),
)


def service_for(path: str) -> str | None:
    """The service whose prefix ``path`` falls under, or None."""
    for prefix, service in ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return service
    return None
