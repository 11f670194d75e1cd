"""A builder killed in the middle of a build leaves the source it had unpacked; the next start removes it."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from asgi_lifespan import LifespanManager

from runagents_builder.component import create_component
from runagents_builder.settings import BuilderSettings
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app


def leave_scratch_of_a_killed_process(scratch_root: Path) -> Path:
    crashed = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from pathlib import Path
            from runagents_common.scratch import ScratchSpace
            with ScratchSpace(Path(sys.argv[1])).folder("build-") as folder:
                (folder / "agent.py").write_text("unpacked source")
                print(folder, flush=True)
                time.sleep(600)
        """), str(scratch_root)],
        stdout=subprocess.PIPE, text=True,
    )
    assert crashed.stdout is not None
    left_behind = Path(crashed.stdout.readline().strip())
    os.kill(crashed.pid, signal.SIGKILL)
    crashed.wait()
    assert (left_behind / "agent.py").exists()
    return left_behind


def entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_the_scratch_of_a_killed_builder_is_removed_when_the_builder_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    left_behind = leave_scratch_of_a_killed_process(data_dir / "builder" / "scratch")
    component = create_component(BuilderSettings(mode="dev", data_dir=data_dir))
    app = create_host_app(ServiceHost([component], InMemoryBus(), migrate_on_start=True), "builder under test")

    async with LifespanManager(app):
        assert entries(data_dir / "builder" / "scratch") == []
    assert left_behind.name.startswith("build-")
