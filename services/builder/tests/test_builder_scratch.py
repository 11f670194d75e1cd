"""A builder killed in the middle of a build leaves the source it had unpacked; the next start removes it."""

from pathlib import Path

from asgi_lifespan import LifespanManager

from runagents_builder.component import create_component
from runagents_builder.settings import BuilderSettings
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.testing import leave_scratch_of_a_killed_process


def entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_the_scratch_of_a_killed_builder_is_removed_when_the_builder_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    left_behind = leave_scratch_of_a_killed_process(data_dir / "builder" / "scratch", "build-")
    component = create_component(BuilderSettings(mode="dev", data_dir=data_dir))
    app = create_host_app(ServiceHost([component], InMemoryBus(), migrate_on_start=True), "builder under test")

    async with LifespanManager(app):
        assert entries(data_dir / "builder" / "scratch") == []
    assert left_behind.name.startswith("build-")
