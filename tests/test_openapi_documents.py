"""The OpenAPI documents under docs/openapi/ are what the services serve (regenerate: `uv run runagents openapi`)."""

import json
from pathlib import Path

from runagents.openapi_export import openapi_documents, render

DOCS = Path(__file__).resolve().parents[1] / "docs" / "openapi"


def test_committed_openapi_documents_match_the_services() -> None:
    for service, document in openapi_documents().items():
        committed = DOCS / f"{service}.json"
        assert committed.exists(), f"{committed} is missing: run `uv run runagents openapi`"
        assert committed.read_text() == render(document), f"{committed} is stale: run `uv run runagents openapi`"


def test_the_public_contract_paths_are_served() -> None:
    paths = {service: set(json.loads((DOCS / f"{service}.json").read_text())["paths"]) for service in
             ("analyzer", "deployer", "gateway", "policy", "runs")}
    assert {"/api/v1/analyses", "/api/v1/analyses/{analysis_id}"} <= paths["analyzer"]
    assert {"/api/v1/agents", "/api/v1/agents/{name}", "/api/v1/agents/{name}/invoke",
            "/api/v1/agents/{name}/invoke/stream", "/api/v1/agents/{name}/deployments",
            "/api/v1/agents/{name}/logs"} <= paths["deployer"]
    assert {"/api/v1/model-providers", "/api/v1/model-providers/{name}", "/llm/v1/chat/completions",
            "/llm/v1/models"} <= paths["gateway"]
    assert {"/api/v1/tools", "/api/v1/tools/{name}", "/api/v1/identity-providers",
            "/api/v1/identity-providers/{name}"} <= paths["policy"]
    assert {"/api/v1/runs", "/api/v1/runs/{run_id}"} <= paths["runs"]
