"""The fault suite's own RabbitMQ node and Postgres cluster, and the platform in distributed mode on them."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from runagents.processes import PlatformProcesses, start_distributed
from tests.faults.servers import PostgresCluster, RabbitMQNode


@pytest.fixture(scope="session")
def private_rabbitmq() -> Iterator[RabbitMQNode]:
    node = RabbitMQNode()
    try:
        node.start()
        yield node
    finally:
        node.destroy()


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def faulty_platform(tmp_path_factory: pytest.TempPathFactory, private_rabbitmq: RabbitMQNode,
                    private_postgres: PostgresCluster) -> Iterator[PlatformProcesses]:
    data_dir: Path = tmp_path_factory.mktemp("faults")
    platform = start_distributed(data_dir, private_postgres.url, private_rabbitmq.url,
                                 management_url=private_rabbitmq.management_url)
    try:
        yield platform
    finally:
        platform.stop()
