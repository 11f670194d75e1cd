"""An agent whose virtualenv pins versions the platform does not use runs with exactly those versions.

The virtualenv is built for real with uv from the package index (cached between runs, keyed by what
it holds), as the builder builds an agent's: the agent's packages only, nothing of the platform's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
import fastapi
import httpx
import pydantic
from asgi_lifespan import LifespanManager

from runagents_runtime.app import create_app
from runagents_runtime.config import load_config
from runtime.tests.header_recorder import HeaderRecorder

PINNED = {"aiohttp": "3.14.3", "fastapi": "0.100.0", "pydantic": "1.10.13", "httpx": "0.24.1"}
"""Each older than (pydantic: a major version before) what the platform's runtime runs with."""
CACHE = Path(os.environ.get("RUNAGENTS_TEST_VENV_CACHE") or Path(tempfile.gettempdir()) / "runagents-test-venvs")
PINNED_AGENT = '''
import asyncio, importlib.metadata, json, os, sys
import aiohttp, fastapi, httpx, pydantic

class Answer(pydantic.BaseModel):  # pydantic 1.x style: .dict(), no model_dump
    versions: dict
    prefix: str

async def handler(request):
    url = os.environ["RECORDER_URL"]
    await asyncio.to_thread(httpx.get, url + "?client=httpx")
    async with aiohttp.ClientSession() as session, session.get(url + "?client=aiohttp") as answer:
        await answer.read()
    versions = {name: importlib.metadata.version(name) for name in ("aiohttp", "fastapi", "pydantic", "httpx")}
    versions["pydantic-module"] = pydantic.VERSION
    versions["aiohttp-module"] = aiohttp.__version__
    return json.dumps(Answer(versions=versions, prefix=sys.prefix).dict())
'''


def pinned_venv() -> Path:
    """A virtualenv with PINNED installed, made once per Python and pin set."""
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to build an agent's virtualenv (the builder uses it too)"
    requirements = [f"{name}=={version}" for name, version in sorted(PINNED.items())]
    key = hashlib.sha256(json.dumps([sys.version, requirements]).encode()).hexdigest()[:16]
    venv = CACHE / key
    if not (venv / "bin" / "python").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        scratch = CACHE / f".{key}.{os.getpid()}.tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(scratch)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(scratch / "bin" / "python"), *requirements],
                       check=True)
        try:
            scratch.rename(venv)
        except OSError:  # another run made it first
            shutil.rmtree(scratch, ignore_errors=True)
    return venv


async def test_an_agent_pinning_older_aiohttp_fastapi_pydantic1_and_httpx_runs_with_them(
        base_env, agent_dir: Path, recorder: HeaderRecorder) -> None:
    venv = pinned_venv()
    assert {aiohttp.__version__, fastapi.__version__, pydantic.VERSION, httpx.__version__}.isdisjoint(
        PINNED.values()), "the platform itself must run other versions for this test to mean anything"
    (agent_dir / "pinned_agent.py").write_text(PINNED_AGENT)
    config = load_config({**base_env, "USER_ENTRY_POINT": "pinned_agent.py",
                          "AGENT_PYTHON": str(venv / "bin" / "python")})
    app = create_app(config, cwd=agent_dir, environ={**os.environ, "RECORDER_URL": recorder.url})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runtime.test") as client,
    ):
        response = await client.post("/invoke", json={"message": "versions?"}, headers={"X-RunAgents-Run-Id": "run-p"})
        health = (await client.get("/healthz")).json()

    assert response.status_code == 200, response.text
    answer = json.loads(response.json()["response"])
    assert answer["prefix"] == str(venv)
    assert answer["versions"] == {**PINNED, "pydantic-module": PINNED["pydantic"], "aiohttp-module": PINNED["aiohttp"]}
    assert health["user_code"]["loaded"] is True
    # The run's headers reach the agent's calls through those old clients too.
    assert {client_name: headers.get("x-runagents-run-id") for client_name, headers in recorder.seen.items()} == {
        "httpx": "run-p", "aiohttp": "run-p"}
    assert sorted(headers["x-runagents-run-seq"] for headers in recorder.seen.values()) == ["1", "2"]
    assert response.json()["calls"]["other"] == 2
