"""An upload's declared dependencies from the analyzer's plan to the builder's virtualenv: the analyzer
reads the manifests (its rules), the plan crosses to the builder in the build request as the deployer
sends it, and the builder installs it after its own check, with the real uv."""

import json
import shutil
import subprocess
from pathlib import Path

from runagents_analyzer.engine.pipeline import analyze_files
from runagents_builder.artifacts.base import Artifact, BuildInput
from runagents_builder.artifacts.local_venv import LocalVenvBuilder
from runagents_common.events.catalog import AgentBuildRequested
from runagents_common.testing import no_progress, write_upload

UV = shutil.which("uv") or "uv"


def upload(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_upload(tmp_path / "upload", files)


def upload_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


async def analyze_and_build(tmp_path: Path, folder: Path) -> Artifact:
    report = analyze_files(upload_files(folder))
    # as the deployer sends it and the builder receives it
    request = AgentBuildRequested.model_validate_json(AgentBuildRequested(
        agent="agent", deployment_id="d1", analysis_id="a1", packages=[],
        install_plan=report.install_plan).model_dump_json())
    assert request.install_plan is not None
    builder = LocalVenvBuilder(tmp_path / "builds", python=shutil.which("python3") or "python3", uv=UV,
                               timeout_seconds=300)
    return await builder.build(BuildInput("b1", "agent", folder, "sha256:" + tmp_path.name, request.packages,
                                          request.install_plan), no_progress)


def installed(artifact: Artifact) -> dict[str, str]:
    listing = subprocess.run([UV, "pip", "list", "--format", "json", "--python", f"{artifact.ref}/bin/python"],
                             capture_output=True, text=True, check=True)
    return {entry["name"].lower(): entry["version"] for entry in json.loads(listing.stdout)}


async def test_requirements_with_an_include_inside_the_upload_keep_the_aiohttp_pin(tmp_path: Path) -> None:
    folder = upload(tmp_path, {
        "requirements.txt": "-r deps/base.txt\n-e ./libs/helper\n",
        "deps/base.txt": "aiohttp==3.14.3\n",
        "libs/helper/pyproject.toml": """
            [project]
            name = "agent-helper"
            version = "0.1"
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
        """,
        "libs/helper/agent_helper/__init__.py": "",
    })

    versions = installed(await analyze_and_build(tmp_path, folder))

    assert versions["aiohttp"] == "3.14.3"
    assert versions["agent-helper"] == "0.1"


async def test_a_poetry_manifest_is_installed_with_its_constraints_translated(tmp_path: Path) -> None:
    folder = upload(tmp_path, {"pyproject.toml": """
        [tool.poetry]
        name = "auditor"
        version = "0.1.0"
        package-mode = false
        [tool.poetry.dependencies]
        python = "^3.11"
        six = "~1.16.0"
        [build-system]
        requires = ["poetry-core"]
        build-backend = "poetry.core.masonry.api"
    """})

    assert installed(await analyze_and_build(tmp_path, folder))["six"].startswith("1.16.")


async def test_a_uv_lock_is_exported_and_installed_as_locked_without_its_dev_group(tmp_path: Path) -> None:
    # The builder's half of this (a uv.lock plan exported by uv) is tested here only: the same real
    # locked upload, with the analyzer's plan instead of one written by hand.
    folder = upload(tmp_path, {"pyproject.toml": """
        [project]
        name = "locked-agent"
        version = "0.1"
        requires-python = ">=3.11"
        dependencies = ["six==1.16.0"]
        [dependency-groups]
        dev = ["iniconfig"]
    """})
    subprocess.run([UV, "lock", "--quiet", "--directory", str(folder)], check=True)
    # the lock, not the pyproject, decides the version
    (folder / "pyproject.toml").write_text((folder / "pyproject.toml").read_text().replace('"six==1.16.0"',
                                                                                         '"six>=1.10"'))

    versions = installed(await analyze_and_build(tmp_path, folder))

    assert versions["six"] == "1.16.0"
    assert "iniconfig" not in versions
