"""The builder installs the install plan it is given (each manifest format's plan written here as the
analyzer gives it), with the real uv (its cache keeps this fast), and checks every line first: a
requirement, constraint, project or uv.lock export line that would install from elsewhere than PyPI
and the upload fails the build, naming it, before anything is installed."""

import json
import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from runagents_contracts.install_plan import AddedRequirement, InstallPlan

from runagents_builder.artifacts.base import Artifact, BuildError, BuildInput
from runagents_builder.artifacts.install_plan import install_of, with_uv_export
from runagents_builder.artifacts.local_venv import LocalVenvBuilder
from runagents_builder.artifacts.requirement_check import check_requirement
from runagents_common.testing import no_progress, write_upload

HELPER_PROJECT = """
    [project]
    name = "agent-helper"
    version = "0.1"
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"
"""


def builder(tmp_path: Path) -> LocalVenvBuilder:
    return LocalVenvBuilder(tmp_path / "builds", python=shutil.which("python3") or "python3", uv=shutil.which("uv"),
                            timeout_seconds=300)


def upload(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_upload(tmp_path / "upload", files)


async def build(tmp_path: Path, files: dict[str, str], plan: InstallPlan | None,
                packages: list[str] | None = None) -> Artifact:
    request = BuildInput("b1", "agent", upload(tmp_path, files), "sha256:" + tmp_path.name, packages or [], plan)
    return await builder(tmp_path).build(request, no_progress)


def installed(artifact: Artifact) -> dict[str, str]:
    python = Path(artifact.ref) / "bin" / "python"
    listing = subprocess.run([shutil.which("uv") or "uv", "pip", "list", "--format", "json", "--python", str(python)],
                             capture_output=True, text=True, check=True)
    return {entry["name"].lower(): entry["version"] for entry in json.loads(listing.stdout)}


def run(artifact: Artifact, code: str) -> str:
    python = Path(artifact.ref) / "bin" / "python"
    # -I: from the virtualenv only, not from the upload's folder
    done = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def nothing_installed(tmp_path: Path) -> bool:
    envs = tmp_path / "builds" / "envs"
    return not envs.exists() or not any(envs.iterdir())


@pytest.mark.parametrize("source", ["requirements.txt", "poetry.lock", "Pipfile.lock", "pylock.toml"])
async def test_the_pinned_lines_of_a_plan_are_installed_as_pinned(tmp_path: Path, source: str) -> None:
    artifact = await build(tmp_path, {}, InstallPlan(source=source, requirements=["six==1.16.0"]))

    assert installed(artifact)["six"] == "1.16.0"


async def test_a_plan_s_project_inside_the_upload_is_installed_from_the_upload_s_copy(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "libs/helper/pyproject.toml": HELPER_PROJECT,
        "libs/helper/agent_helper/__init__.py": "GREETING = 'hello from the upload'\n",
    }, InstallPlan(source="requirements.txt", requirements=["six==1.16.0"], projects=["libs/helper"]))

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert versions["agent-helper"] == "0.1"
    # installed into the environment, not linked to the build's scratch copy of the upload
    assert run(artifact, "import agent_helper; print(agent_helper.GREETING, agent_helper.__file__)").startswith(
        f"hello from the upload {artifact.ref}")


async def test_a_pyproject_plan_installs_the_upload_itself_with_its_pins(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "pyproject.toml": """
            [project]
            name = "my-agent"
            version = "0.2.0"
            dependencies = ["six==1.16.0"]
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
        """,
        "src/my_agent/__init__.py": "",
        "src/my_agent/crew.py": "NAME = 'crew'\n",
    }, InstallPlan(source="pyproject.toml", requirements=["six==1.16.0"], projects=["."]))

    assert installed(artifact)["six"] == "1.16.0"
    assert run(artifact, "from my_agent.crew import NAME; print(NAME)") == "crew"


async def test_a_poetry_plan_s_translated_constraint_and_marker_are_honoured(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {}, InstallPlan(
        source="pyproject.toml", requirements=["six>=1.16.0,<1.17.0", 'iniconfig==2.0.0 ; python_version < "3"']))

    versions = installed(artifact)
    assert versions["six"].startswith("1.16.")
    assert "iniconfig" not in versions


async def test_what_the_analyzer_added_is_installed_with_the_manifest_s_lines(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {}, InstallPlan(
        source="requirements.txt", requirements=["six==1.16.0"],
        added=[AddedRequirement(requirement="iniconfig", reason="the code imports it")]))

    assert {"six", "iniconfig"} <= set(installed(artifact))


async def test_a_request_from_before_install_plans_installs_its_packages(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {}, None, packages=["six"])

    assert "six" in installed(artifact)


async def test_a_project_whose_setup_py_imports_pkg_resources_still_builds(tmp_path: Path) -> None:
    # as ibm-cloud-sdk-core 3.18 does: setuptools 82+ no longer has pkg_resources
    artifact = await build(tmp_path, {
        "legacy/setup.py": """
            import pkg_resources
            from setuptools import setup

            setup(name="legacy-tool", version="1.0", py_modules=["legacy_tool"])
        """,
        "legacy/legacy_tool.py": "VALUE = 42\n",
    }, InstallPlan(source="requirements.txt", projects=["legacy"]))

    assert run(artifact, "import legacy_tool; print(legacy_tool.VALUE)") == "42"


async def test_extras_asked_of_a_project_inside_the_upload_are_installed(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "engine/pyproject.toml": """
            [project]
            name = "extra-agent"
            version = "0.1"
            [project.optional-dependencies]
            pinned = ["six==1.16.0"]
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
        """,
        "engine/extra_agent/__init__.py": "",
    }, InstallPlan(source="requirements.txt", projects=["engine[pinned]"]))

    assert installed(artifact)["six"] == "1.16.0"


OUTSIDE_REQUIREMENTS = [
    "git+https://github.com/example/tool.git",
    "tool @ git+https://github.com/example/tool.git",
    "tool @ https://example.com/tool-1.0.tar.gz",
    "https://example.com/tool-1.0-py3-none-any.whl",
    "tool @ file:///opt/tool",
    "/opt/tool",
    "../sibling",
    "./libs/helper",
    "-e ../sibling",
    "-r ../other/requirements.txt",
    "--index-url https://mirror.example/simple",
    "--extra-index-url https://mirror.example/simple",
    "--find-links /srv/wheels",
    "six==1.16.0 --config-settings x=y",
    "six==1.16.0\n--index-url https://mirror.example/simple",
    "six ; __import__('os').system('true')",
    "six ; python_version >= '3' or os.system",
    "six ;",
    "",
]


@pytest.mark.parametrize("line", OUTSIDE_REQUIREMENTS)
async def test_a_plan_requirement_that_is_not_a_plain_pypi_name_fails_the_build_naming_it(
        tmp_path: Path, line: str) -> None:
    with pytest.raises(BuildError, match="not a plain PyPI requirement") as refused:
        await build(tmp_path, {}, InstallPlan(source="requirements.txt", requirements=["six", line]))

    assert repr(line) in str(refused.value)
    assert nothing_installed(tmp_path)


@pytest.mark.parametrize("line", ["six @ https://example.com/six.whl", "-c /etc/constraints.txt"])
async def test_a_plan_constraint_is_checked_as_a_requirement(tmp_path: Path, line: str) -> None:
    with pytest.raises(BuildError, match="constraint") as refused:
        await build(tmp_path, {}, InstallPlan(source="requirements.txt", requirements=["six"], constraints=[line]))

    assert repr(line) in str(refused.value)
    assert nothing_installed(tmp_path)


async def test_an_added_requirement_is_checked_too(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="tool @ git"):
        await build(tmp_path, {}, InstallPlan(source="requirements.txt", added=[
            AddedRequirement(requirement="tool @ git+https://g.example/t", reason="forged")]))


async def test_the_packages_of_a_request_from_before_install_plans_are_checked(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"git\+https://g\.example/t"):
        await build(tmp_path, {}, None, packages=["git+https://g.example/t"])


@pytest.mark.parametrize(("project", "why"), [
    ("../sibling", "outside the upload"),
    ("libs/../../sibling", "outside the upload"),
    ("/opt/tool", "not a relative path"),
    ("~/tool", "not a relative path"),
    ("libs/helper @ https://x.example/a.whl", "not a relative path"),
    ("libs/helper; rm -rf /", "not a relative path"),
    ("libs/missing", "not a Python project"),
    ("agent.py", "not a Python project"),
    ("escape", "outside the upload"),
    ("libs/helper/escape.whl", "outside the upload"),
])
async def test_a_plan_project_outside_the_upload_fails_the_build_naming_it(
        tmp_path: Path, project: str, why: str) -> None:
    outside = tmp_path / "sibling"
    outside.mkdir()
    (outside / "pyproject.toml").write_text(textwrap.dedent(HELPER_PROJECT))
    (outside / "a.whl").write_text("")
    folder = upload(tmp_path, {"libs/helper/pyproject.toml": HELPER_PROJECT})
    # symlinks inside the upload's copy that point out of it
    os.symlink(outside, folder / "escape")
    os.symlink(outside / "a.whl", folder / "libs" / "helper" / "escape.whl")

    with pytest.raises(BuildError, match=why) as refused:
        await build(tmp_path, {}, InstallPlan(source="requirements.txt", projects=[project]))

    assert repr(project) in str(refused.value)
    assert nothing_installed(tmp_path)


@pytest.mark.parametrize("line", ["tool @ git+https://g.example/t", "--index-url https://mirror.example/simple",
                                  "https://example.com/tool-1.0.tar.gz"])
def test_a_uv_export_line_from_elsewhere_fails_the_build_naming_it(line: str) -> None:
    with pytest.raises(BuildError, match=r"uv\.lock export line") as refused:
        with_uv_export(InstallPlan(source="uv.lock", uv_lock=True), f"six==1.16.0\n{line}\n")

    assert repr(line) in str(refused.value)


def test_a_uv_export_path_is_a_project_checked_inside_the_upload(tmp_path: Path) -> None:
    folder = upload(tmp_path, {"libs/helper/pyproject.toml": HELPER_PROJECT})
    inside = with_uv_export(InstallPlan(source="uv.lock", uv_lock=True),
                            "# exported\nsix==1.16.0 ; python_full_version >= '3.11'\n-e ./libs/helper\n")
    assert inside.requirements == ["six==1.16.0 ; python_full_version >= '3.11'"]
    assert install_of(folder, inside).projects == [str((folder / "libs" / "helper").resolve())]

    outside = with_uv_export(InstallPlan(source="uv.lock", uv_lock=True), "-e ../sibling\n")
    with pytest.raises(BuildError, match=r"'\.\./sibling'"):
        install_of(folder, outside)


def test_a_crafted_line_is_refused_in_linear_time() -> None:
    """The check runs on lines from uploads. A guard against super-linear blow-up, not a speed test: a
    backtracking engine needs minutes for this line, RE2 under a millisecond; the bound is 1 s of CPU."""
    started = time.thread_time()
    with pytest.raises(BuildError, match="not a plain PyPI requirement"):
        check_requirement("a" * 200_000 + "@")
    assert time.thread_time() - started < 1.0
