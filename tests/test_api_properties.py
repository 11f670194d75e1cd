"""Property tests of the public API: schemathesis generates requests from each service's OpenAPI
document (docs/openapi/, kept current by test_openapi_documents.py) and sends them to the platform.

Whatever the input, no answer is a 500, and every error answer is RFC 9457 problem+json. The six
services run in this process on a real Postgres database of their own and the in-process bus, served
over loopback HTTP so that they reach each other as they do in production.
"""

import asyncio
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from runagents.components import SERVICES, create_components
from runagents_common.bus import InMemoryBus
from runagents_common.errors import PROBLEM_JSON
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, fresh_database

DOCS = Path(__file__).resolve().parents[1] / "docs" / "openapi"
MAX_EXAMPLES = int(os.environ.get("RUNAGENTS_API_PROPERTY_EXAMPLES", "50"))
"""Examples per operation: the whole suite stays about a minute on two cores (raise it to hunt)."""

DERANDOMIZE = "RUNAGENTS_API_PROPERTY_RANDOM" not in os.environ
"""The same examples every run, unless RUNAGENTS_API_PROPERTY_RANDOM is set (to hunt)."""
METHODS = ("get", "post", "put", "patch", "delete")
# The egress layer forwards any method to the wired tool; one method is enough to cover its handling.
SKIPPED = {("put", "/egress/{agent}/{tool}/{path}"), ("patch", "/egress/{agent}/{tool}/{path}"),
           ("delete", "/egress/{agent}/{tool}/{path}")}


def _operations() -> list[tuple[str, str, str]]:
    found = []
    for service in SERVICES:
        document = json.loads((DOCS / f"{service}.json").read_text())
        for path, item in document["paths"].items():
            found += [(service, method, path) for method in item if method in METHODS
                      and (method, path) not in SKIPPED]
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The six services in one process on a fresh Postgres database, at a loopback URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with fresh_database() as database_url:
        env = {
            "RUNAGENTS_MODE": "distributed", "DATABASE_URL": database_url,
            "RUNAGENTS_DATA_DIR": str(tmp_path_factory.mktemp("platform")), "RUNAGENTS_PLATFORM_URL": url,
            "RUNAGENTS_GATEWAY_SECRET_KEY": "property-tests-gateway-secret-key",
            "RUNAGENTS_DEPLOYER_SECRET_KEY": "property-tests-deployer-secret-key",
            # Without a deployed agent's key /llm answers 401 before reading a request; the properties are
            # about what it makes of any request (the playground model answers in-process).
            "RUNAGENTS_REQUIRE_AGENT_KEY": "false",
        }
        components = create_components(SERVICES, env)
        app = create_host_app(ServiceHost(components, InMemoryBus(), migrate_on_start=True), "RunAgents (tests)")
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
        thread.start()
        try:
            while not server.started:
                if not thread.is_alive():
                    raise RuntimeError("the platform stopped before it started")
                thread.join(0.05)
            yield url
        finally:
            server.should_exit = True
            thread.join(30)


def _schema(service: str) -> Any:
    return schemathesis.openapi.from_dict(json.loads((DOCS / f"{service}.json").read_text()))


def _check(path: str, response: Any, what: str) -> None:
    assert response.status_code != 500, f"{what} -> 500: {response.text}"
    if response.status_code >= 400 and path.startswith("/llm/v1/"):
        # The provider wires answer errors as the OpenAI or Anthropic SDKs expect them, not problem+json.
        assert "error" in response.json(), f"{what} -> {response.status_code}: {response.text[:300]}"
    elif response.status_code >= 400:
        media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
        assert media_type == PROBLEM_JSON, f"{what} -> {response.status_code} {media_type}: {response.text[:300]}"
        body = response.json()
        assert body["status"] == response.status_code and body["detail"], f"{what}: {body}"


@pytest.mark.parametrize(("service", "method", "path"), _operations())
def test_no_input_makes_a_500_and_every_error_is_problem_json(platform: str, service: str, method: str,
                                                               path: str) -> None:
    operation = _schema(service)[path][method.upper()]

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)))
    def check(case: Any) -> None:
        response = case.call(base_url=platform, headers=ADMIN_HEADERS, timeout=30)
        _check(path, response, f"{case.method} {case.formatted_path} {case.body!r:.200}")

    check()


# What the properties found, kept as plain examples.

@pytest.mark.parametrize("path", ["/api/v1/analyses", "/api/v1/tools", "/api/v1/model-providers",
                                  "/api/v1/agents", "/api/v1/identity-providers"])
def test_a_body_that_is_not_json_is_a_400_saying_where_it_breaks_in_every_service(platform: str, path: str) -> None:
    response = httpx.post(platform + path, content='{"name": "x", "base_url" "y"}',
                          headers={"content-type": "application/json", **ADMIN_HEADERS})

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["detail"] == "request body is not valid JSON: Expecting ':' delimiter at line 1 column 26"


def test_a_nul_character_postgres_cannot_store_is_a_422(platform: str) -> None:
    response = httpx.post(platform + "/api/v1/identity-providers",
                          json={"name": "nul", "issuer": "\x00", "audiences": ["a"], "jwks_url": "https://idp.test"},
                          headers=ADMIN_HEADERS)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "NUL character" in response.json()["detail"]


@pytest.mark.parametrize("analysis_id", ["\x1f", "x/source", "../../tools"])
def test_a_deploy_naming_an_analysis_id_that_is_no_url_segment_is_a_422(platform: str, analysis_id: str) -> None:
    response = httpx.post(platform + "/api/v1/agents", json={"name": "a", "analysis_id": analysis_id,
                                                             "access": {"mode": "open"}}, headers=ADMIN_HEADERS)

    assert response.status_code == 422
    assert response.json()["detail"] == f"analysis {analysis_id!r} does not exist"


# The /llm wire reads its bodies itself (its OpenAPI document has no schema for them): requests shaped
# like the OpenAI and Anthropic ones, with any JSON where a value goes.
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
_roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "user", "user", ""])
_parts = st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "input_text", "tool_use", "tool_result",
                                                         "image", "refusal"]) | _json_values},
                               optional={"text": st.text(max_size=20) | _json_values, "image_url": _json_values,
                                         "id": _json_values, "input": _json_values, "content": _json_values,
                                         "tool_use_id": _json_values})
_messages = st.lists(st.fixed_dictionaries(
    {"role": _roles},
    optional={"content": st.text(max_size=30) | st.lists(_parts, max_size=3) | _json_values,
              "tool_calls": st.lists(st.fixed_dictionaries(
                  {"id": st.text(max_size=5), "type": st.just("function"),
                   "function": st.fixed_dictionaries({"name": st.text(max_size=8),
                                                      "arguments": st.text(max_size=20) | _json_values})}),
                  max_size=2) | _json_values,
              "tool_call_id": _json_values, "name": _json_values}), max_size=4)


def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a valid value, so requests get past the first check; now and then any JSON value."""
    return st.one_of(valid, valid, valid, _json_values)


_llm_bodies = st.fixed_dictionaries(
    {"model": _mostly(st.sampled_from(["playground-mini", "playground-mini", "nope"])),
     "messages": _mostly(_messages), "input": _mostly(st.text(max_size=20) | _messages)},
    optional={"system": _mostly(st.text(max_size=20) | st.lists(_parts, max_size=2)),
              "instructions": _mostly(st.text(max_size=20)), "stream": _mostly(st.booleans()),
              "stream_options": _mostly(st.fixed_dictionaries({}, optional={"include_usage": st.booleans()})),
              "max_tokens": _mostly(st.integers(1, 10**6)), "max_output_tokens": _mostly(st.integers(1, 10**6)),
              "temperature": _mostly(st.floats(0, 2)), "n": _json_values, "stop": _json_values,
              "tools": _mostly(st.lists(_json_values, max_size=3)), "tool_choice": _json_values,
              "response_format": _json_values, "metadata": _json_values},
)


@pytest.mark.parametrize("path", ["/llm/v1/chat/completions", "/llm/v1/messages", "/llm/v1/responses",
                                  "/llm/v1/embeddings"])
def test_no_request_to_the_llm_wire_makes_a_500(platform: str, path: str) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=platform, timeout=30) as client:

        @settings(max_examples=MAX_EXAMPLES * 2, deadline=None, database=None, derandomize=DERANDOMIZE,
                  suppress_health_check=list(HealthCheck))
        @given(body=_llm_bodies)
        def check(body: dict[str, Any]) -> None:
            response = client.post(path, json=body)
            assert response.status_code != 500, f"POST {path} {body!r} -> 500: {response.text}"
            if response.status_code >= 400:
                assert "error" in response.json(), f"POST {path} {body!r} -> {response.status_code}: {response.text}"

        check()
