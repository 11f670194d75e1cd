"""The platform in dev mode, with its agents' virtualenvs kept between runs, for the framework suite."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runagents.processes import PlatformProcesses, start_dev
from runagents_common.testing import ADMIN_HEADERS
from tests.frameworks.cases import FRAMEWORK_AGENTS, OFFLINE_PROVIDER

REPO = Path(__file__).resolve().parents[2]
# The builder keys each virtualenv by what is installed in it (the runtime's own manifest
# included) and removes the scratch folders of builds cut short when it starts, so one folder
# can hold this suite's venvs across runs.
VENV_CACHE = REPO / ".cache" / "frameworks" / "envs"


@pytest.fixture(scope="session")
def framework_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcesses]:
    """`runagents dev` on a fresh data dir whose builds/envs is the stable venv cache.

    Only the virtualenvs are shared between runs: databases and agents start empty each time.
    """
    data_dir = tmp_path_factory.mktemp("frameworks")
    (data_dir / "builds").mkdir()
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    (data_dir / "builds" / "envs").symlink_to(VENV_CACHE, target_is_directory=True)
    platform = start_dev(data_dir)
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=30) as client:
            register_offline_provider(client)
        yield platform
    finally:
        platform.stop()


def register_offline_provider(client: httpx.Client) -> None:
    """Serve the OpenAI model names the agents ask for from the offline playground model.

    The agents name their models as their authors would (gpt-4o-mini, ...); the gateway routes a
    call by model name, so an operator who wants them offline registers those names on a
    provider of kind playground.
    """
    models = sorted({agent.model for agent in FRAMEWORK_AGENTS})
    created = client.post("/api/v1/model-providers", json={
        "name": OFFLINE_PROVIDER, "kind": "playground", "models": [{"name": m, "role": "chat"} for m in models],
    })
    assert created.status_code == 201, created.text
