"""The analyzer, policy and gateway reads a deploy makes, answered by one small app with fixed reports."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI

from runagents_common.testing import serve_app


def fixed_registry(reports: dict[str, dict[str, Any]], providers: list[dict[str, Any]]) -> FastAPI:
    """Analyses by id from `reports` (all succeeded), no tools, and `providers` as the model providers."""
    app = FastAPI()

    @app.get("/api/v1/analyses/{analysis_id}")
    async def analysis(analysis_id: str) -> dict[str, Any]:
        return {"id": analysis_id, "status": "succeeded", "report": reports[analysis_id]}

    @app.get("/api/v1/tools")
    async def tools() -> dict[str, Any]:
        return {"items": []}

    @app.get("/api/v1/model-providers")
    async def model_providers() -> dict[str, Any]:
        return {"items": providers}

    return app


@asynccontextmanager
async def serving_fixed_registry(monkeypatch: pytest.MonkeyPatch, reports: dict[str, dict[str, Any]],
                                 providers: list[dict[str, Any]] | None = None) -> AsyncIterator[str]:
    """Serve `fixed_registry` and point the deployer's analyzer, policy and gateway URLs at it."""
    async with serve_app(fixed_registry(reports, providers or [])) as url:
        for service in ("analyzer", "policy", "gateway"):
            monkeypatch.setenv(f"RUNAGENTS_{service.upper()}_URL", url)
        yield url
