"""The local virtualenv builder, with the real uv."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from runagents_contracts.install_plan import InstallPlan

from runagents_builder.artifacts.base import BuildError, BuildInput
from runagents_builder.artifacts.install_plan import Install
from runagents_builder.artifacts.local_venv import LocalVenvBuilder
from runagents_common.testing import no_progress


def builder(tmp_path: Path) -> LocalVenvBuilder:
    return LocalVenvBuilder(tmp_path / "builds", python=shutil.which("python3") or "python3", uv=shutil.which("uv"),
                            timeout_seconds=300)


def source(tmp_path: Path, requirements: str | None) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "agent.py").write_text("print('hi')\n")
    if requirements is not None:
        (folder / "requirements.txt").write_text(requirements)
    return folder


async def test_a_build_makes_a_venv_with_nothing_of_the_platform_and_reuses_it_from_the_cache(tmp_path: Path) -> None:
    phases: list[str] = []

    async def progress(phase: str, percent: int) -> None:
        phases.append(phase)

    build = builder(tmp_path)
    request = BuildInput("b1", "hello", source(tmp_path, "# nothing but comments\n"), "sha256:abc", [])
    first = await build.build(request, progress)
    python = Path(first.ref) / "bin" / "python"
    # The runtime runs from the platform's environment: the agent's holds only what the agent declares.
    check = subprocess.run([str(python), "-I", "-c", "import importlib.util as u; "
                            "print([m for m in ('runagents_runtime', 'fastapi', 'aiohttp') if u.find_spec(m)])"],
                           capture_output=True, text=True)
    assert check.stdout.strip() == "[]", check.stderr
    assert not first.cached and phases == ["resolving", "installing", "packaging"]
    assert (Path(first.source_dir or "") / "agent.py").read_text() == "print('hi')\n"

    second = await build.build(BuildInput("b2", "other", request.source_dir, "sha256:abc", []), no_progress)
    assert second.cached and second.ref == first.ref


async def test_a_requirement_that_does_not_exist_fails_the_build_with_the_installer_message(tmp_path: Path) -> None:
    request = BuildInput("b1", "hello", source(tmp_path, None), "d", [], InstallPlan(
        source="requirements.txt", requirements=["runagents-surely-no-such-package-4242"]))
    with pytest.raises(BuildError, match="package installation failed"):
        await builder(tmp_path).build(request, no_progress)
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "builds" / "envs").iterdir())


async def test_requirement_options_that_reach_outside_the_upload_are_refused(tmp_path: Path) -> None:
    request = BuildInput("b1", "hello", source(tmp_path, None), "d", [], InstallPlan(
        source="requirements.txt", requirements=["--index-url http://evil.example/simple", "requests"]))
    with pytest.raises(BuildError, match=r"--index-url http://evil\.example/simple"):
        await builder(tmp_path).build(request, no_progress)


def test_the_cache_key_depends_on_the_install_plan_alone(tmp_path: Path) -> None:
    build = LocalVenvBuilder(tmp_path / "builds", python="python3", uv=None, timeout_seconds=1)
    install = Install(["openai"], [], [], [])

    assert build._cache_key(install) == build._cache_key(Install(["openai"], [], [], []))
    assert build._cache_key(Install(["openai==1.0"], [], [], [])) != build._cache_key(install)
    assert build._cache_key(Install(["openai"], [], [str(tmp_path)], ["a"])) != build._cache_key(
        Install(["openai"], [], [str(tmp_path)], ["b"]))


def test_scratch_folders_of_builds_whose_process_is_gone_are_removed_at_start(tmp_path: Path) -> None:
    envs = tmp_path / "builds" / "envs"
    gone = subprocess.Popen(["true"])
    gone.wait()
    abandoned = envs / f".abc123.{gone.pid}.tmp"
    in_progress = envs / f".def456.{os.getppid()}.tmp"
    reused_pid = envs / f".abc789.{os.getpid()}.tmp"
    finished = envs / "abc123"
    for folder in (abandoned, in_progress, reused_pid, finished):
        folder.mkdir(parents=True)

    builder(tmp_path)

    assert not abandoned.exists() and not reused_pid.exists()
    assert in_progress.exists() and finished.exists()
