"""The README's distributed-mode block works as written on a fresh machine: the test runs it top to bottom
(with free ports, a database that does not exist yet and a bus namespace of its own) and checks that the
sample agent it deploys answers."""

import asyncio
import os
import re
import signal
import subprocess
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from runagents.components import SERVICES
from runagents.processes import free_port
from runagents_common.bus.access import BrokerAdmin, delete_service_users
from runagents_common.testing import delete_namespace

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"<!-- readme-distributed:.*?-->\n```sh\n(.*?)```", re.S)


def readme_block() -> str:
    found = BLOCK.search((ROOT / "README.md").read_text())
    assert found, "README.md has no readme-distributed block"
    return found.group(1)


def test_the_readme_block_names_every_setting_a_fresh_machine_needs() -> None:
    block = readme_block()
    for setting in ("DATABASE_URL", "AMQP_URL", "RUNAGENTS_BUS_NAMESPACE", "RUNAGENTS_GATEWAY_SECRET_KEY",
                    "RUNAGENTS_DEPLOYER_SECRET_KEY", "RUNAGENTS_PLATFORM_URL"):
        assert f"export {setting}=" in block
    assert "uv run runagents migrate" in block
    # Every /api/v1 call needs a key: the services get theirs from setup-identity, the CLI the admin's.
    assert "uv run runagents setup-identity --env-file" in block
    assert 'export RUNAGENTS_API_KEY="$RUNAGENTS_ADMIN_KEY"' in block
    for service in SERVICES:
        assert f"{service}:" in block, f"{service} is not started"


def test_the_readme_distributed_block_runs_as_written(tmp_path: Path, amqp_url: str) -> None:
    ports = [free_port() for _ in range(7)]
    database = f"runagents_readme_{uuid.uuid4().hex[:10]}"
    namespace = f"readme-{uuid.uuid4().hex[:8]}"
    script = readme_block()
    script = re.sub(r"\b800([0-6])\b", lambda port: str(ports[int(port.group(1))]), script)
    server = make_url(os.environ.get("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    script = script.replace("postgresql+asyncpg://postgres@127.0.0.1:5432/runagents",
                            server.set(drivername="postgresql+asyncpg", database=database)
                            .render_as_string(hide_password=False))
    script = script.replace("amqp://guest:guest@127.0.0.1:5672/", amqp_url)
    script = script.replace("RUNAGENTS_BUS_NAMESPACE=runagents ", f"RUNAGENTS_BUS_NAMESPACE={namespace} ")
    script = script.replace(".runagents", str(tmp_path))
    assert database in script and namespace in script and str(ports[6]) in script
    # What a fresh shell has: none of the platform's settings.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RUNAGENTS_") and k not in ("DATABASE_URL", "AMQP_URL")}
    env["RUNAGENTS_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen(["bash", "-e", "-c", script + "\nkill $(jobs -p)\nwait\n"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=400)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        asyncio.run(_cleanup(server.set(drivername="postgresql", database="postgres")
                             .render_as_string(hide_password=False), database, amqp_url, namespace))
    logs = "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in sorted(tmp_path.glob("*.log")))
    assert f"created database {database}" in output, output + logs
    assert "hello-world is Running" in output, output + logs
    assert f"broker users {namespace}-analyzer" in output, output + logs
    assert '"response":' in output and '"run_id":' in output, output + logs


async def _cleanup(maintenance_url: str, database: str, amqp_url: str, namespace: str) -> None:
    connection = await asyncpg.connect(maintenance_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()
    await delete_namespace(amqp_url, namespace, list(SERVICES))
    delete_service_users(BrokerAdmin(amqp_url), namespace=namespace)
