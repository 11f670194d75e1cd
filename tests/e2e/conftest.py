"""The platform as real processes, in each run mode, for end-to-end tests."""

import asyncio
from collections.abc import Iterator

import pytest

from runagents.components import SERVICES
from runagents.processes import PlatformProcesses, start_dev, start_distributed
from runagents_common.testing import delete_namespace, fresh_database


@pytest.fixture(scope="session")
def dev_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformProcesses]:
    platform = start_dev(tmp_path_factory.mktemp("dev"))
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def distributed_platform(tmp_path_factory: pytest.TempPathFactory, amqp_url: str) -> Iterator[PlatformProcesses]:
    with fresh_database() as database_url:
        platform = start_distributed(tmp_path_factory.mktemp("distributed"), database_url, amqp_url)
        yield platform
        platform.stop()
    assert platform.bus_namespace
    asyncio.run(delete_namespace(amqp_url, platform.bus_namespace, list(SERVICES)))


@pytest.fixture(params=["dev", "distributed"])
def platform(request: pytest.FixtureRequest) -> PlatformProcesses:
    """The platform in each run mode (the same test runs against both)."""
    running: PlatformProcesses = request.getfixturevalue(f"{request.param}_platform")
    return running
