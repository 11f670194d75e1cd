"""What the deployer needs from the other services, asked over their public HTTP APIs."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from runagents_common.errors import InvalidRequest, Unavailable


@dataclass(frozen=True)
class RegisteredTool:
    name: str
    base_url: str
    capabilities: list[dict[str, Any]]


@dataclass(frozen=True)
class RegisteredProvider:
    name: str
    kind: str
    models: list[str]


@dataclass
class Registry:
    analyzer: httpx.AsyncClient
    policy: httpx.AsyncClient
    gateway: httpx.AsyncClient

    async def report(self, analysis_id: str) -> dict[str, Any]:
        # Quoted: an id is one path segment, whatever characters the caller put in it.
        path = f"/api/v1/analyses/{quote(analysis_id, safe='')}"
        analysis = await self._get(self.analyzer, path, "analyzer", missing_ok=True)
        if analysis is None:
            raise InvalidRequest(f"analysis {analysis_id!r} does not exist")
        if analysis.get("status") != "succeeded":
            raise InvalidRequest(f"analysis {analysis_id!r} is {analysis.get('status')}, not succeeded")
        report: dict[str, Any] = analysis.get("report") or {}
        return report

    async def tools(self) -> dict[str, RegisteredTool]:
        body = await self._get(self.policy, "/api/v1/tools", "policy")
        return {
            t["name"]: RegisteredTool(t["name"], t["base_url"], list(t.get("capabilities") or []))
            for t in (body or {}).get("items", [])
        }

    async def providers(self) -> dict[str, RegisteredProvider]:
        body = await self._get(self.gateway, "/api/v1/model-providers", "gateway")
        return {
            p["name"]: RegisteredProvider(p["name"], p.get("kind", ""), [m["name"] for m in p.get("models") or []])
            for p in (body or {}).get("items", [])
        }

    async def _get(self, client: httpx.AsyncClient, path: str, service: str,
                   missing_ok: bool = False) -> dict[str, Any] | None:
        try:
            response = await client.get(path)
        except httpx.HTTPError as exc:
            raise Unavailable(f"the {service} service did not answer ({type(exc).__name__})") from exc
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            raise Unavailable(f"the {service} service answered {response.status_code} to GET {path}")
        body: dict[str, Any] = response.json()
        return body
