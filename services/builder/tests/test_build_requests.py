"""A build request carries the analysis' install plan: the builder keeps it with the build and installs
it, checked (a forged line fails the build naming it); a request without one installs its packages."""

import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from runagents_contracts.install_plan import InstallPlan

from runagents_builder.component import create_component
from runagents_builder.settings import BuilderSettings
from runagents_common.bus import InMemoryBus
from runagents_common.events import new_envelope
from runagents_common.events.catalog import AgentBuildRequested
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import ADMIN_HEADERS, eventually, serve_app


def source_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        content = b"def handler(message):\n    return message\n"
        info = tarfile.TarInfo("agent.py")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def analyzer() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/analyses/{analysis_id}/source")
    async def source(analysis_id: str) -> Response:
        return Response(source_archive(), media_type="application/gzip",
                        headers={"x-source-digest": f"sha256:{analysis_id}"})

    return app


@pytest.fixture
async def builder(tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[InMemoryBus, httpx.AsyncClient]]:
    bus = InMemoryBus()
    async with serve_app(analyzer()) as analyzer_url:
        monkeypatch.setenv("RUNAGENTS_ANALYZER_URL", analyzer_url)
        component = create_component(BuilderSettings(mode="dev", data_dir=tmp_path / "data"))
        app = create_host_app(ServiceHost([component], bus, migrate_on_start=True), "builder under test")
        async with serve_app(app) as url, httpx.AsyncClient(headers=ADMIN_HEADERS, base_url=url, timeout=30) as client:
            yield bus, client


async def request_build(bus: InMemoryBus, deployment_id: str, plan: InstallPlan | None, packages: list[str]) -> None:
    data = AgentBuildRequested(agent="agent", deployment_id=deployment_id, analysis_id=deployment_id,
                               packages=packages, install_plan=plan)
    await bus.publish(new_envelope(data.event_type, "/runagents/deployer", data, subject="agent"))


async def finished(client: httpx.AsyncClient, build_id: str) -> dict[str, Any]:
    async def done() -> bool:
        response = await client.get(f"/api/v1/builds/{build_id}")
        return response.status_code == 200 and response.json()["status"] in ("succeeded", "failed")

    await eventually(done, within=300, message=f"build {build_id} finished")
    build: dict[str, Any] = (await client.get(f"/api/v1/builds/{build_id}")).json()
    return build


async def test_the_plan_of_a_build_request_is_installed(builder: tuple[InMemoryBus, httpx.AsyncClient]) -> None:
    bus, client = builder
    await request_build(bus, "planned", InstallPlan(source="requirements.txt", requirements=["six==1.16.0"]), [])

    build = await finished(client, "planned")
    assert build["status"] == "succeeded", build["error"]
    assert installed_six(Path(build["artifact_ref"]))


def installed_six(venv: Path) -> bool:
    return any(venv.glob("lib/python*/site-packages/six-1.16.0.dist-info"))


async def test_a_forged_line_in_the_plan_fails_the_build_naming_it(
        builder: tuple[InMemoryBus, httpx.AsyncClient]) -> None:
    bus, client = builder
    plan = InstallPlan(source="requirements.txt", requirements=["six", "tool @ git+https://g.example/t"])
    await request_build(bus, "forged", plan, ["six"])

    build = await finished(client, "forged")
    assert build["status"] == "failed"
    assert "'tool @ git+https://g.example/t'" in build["error"]


async def test_a_request_without_a_plan_installs_its_packages_checked(
        builder: tuple[InMemoryBus, httpx.AsyncClient]) -> None:
    bus, client = builder
    await request_build(bus, "old", None, ["--index-url=https://mirror.example/simple"])

    build = await finished(client, "old")
    assert build["status"] == "failed"
    assert "--index-url=https://mirror.example/simple" in build["error"]
