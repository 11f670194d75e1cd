"""The Helm chart's Ingress routes the same prefixes to the same services as `runagents ingress`."""

import re
from pathlib import Path

from runagents.routes import ROUTES, service_for

VALUES = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "runagents" / "values.yaml"


def test_helm_ingress_routes_match_the_ingress_routing_table() -> None:
    chart_routes = re.findall(r"- \{prefix: (\S+), service: (\w+)\}", VALUES.read_text())
    assert tuple(chart_routes) == ROUTES


def test_paths_route_by_whole_prefix_segments() -> None:
    assert service_for("/api/v1/agents/hello/invoke") == "deployer"
    assert service_for("/llm/v1/chat/completions") == "gateway"
    assert service_for("/api/v1/agentsmith") is None
    assert service_for("/unknown") is None


def test_helm_services_listen_on_the_pods_address_not_only_loopback() -> None:
    # `runagents serve` listens on 127.0.0.1 unless told: a pod is reached on its own address.
    templates = VALUES.parent / "templates"
    serving = [line for path in templates.glob("*.yaml") for line in path.read_text().splitlines()
               if '"serve"' in line]
    assert serving, "no template runs `runagents serve`"
    assert all('"--host", "0.0.0.0"' in line for line in serving), serving
