"""The agent's declared dependencies win: each manifest and lock format installed as declared, with
the real uv (its cache keeps this fast), and what points outside the upload refused, naming it."""

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from runagents_builder.artifacts.base import Artifact, BuildError, BuildInput
from runagents_builder.artifacts.local_venv import LocalVenvBuilder


def builder(tmp_path: Path) -> LocalVenvBuilder:
    return LocalVenvBuilder(tmp_path / "builds", python=shutil.which("python3") or "python3", uv=shutil.which("uv"),
                            timeout_seconds=300)


def upload(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "upload"
    for path, text in {"agent.py": "def handler(message):\n    return message\n", **files}.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(textwrap.dedent(text).lstrip("\n"))
    return folder


async def no_progress(phase: str, percent: int) -> None:
    return None


async def build(tmp_path: Path, files: dict[str, str], packages: list[str] | None = None) -> Artifact:
    request = BuildInput("b1", "agent", upload(tmp_path, files), "sha256:" + tmp_path.name, packages or [])
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


async def test_a_pin_in_requirements_txt_is_installed_as_pinned(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {"requirements.txt": "aiohttp==3.14.3\n"})

    assert installed(artifact)["aiohttp"] == "3.14.3"


async def test_requirements_include_a_file_and_a_project_inside_the_upload_resolved_against_the_upload(
        tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "requirements.txt": "-r deps/base.txt\n-e ./libs/helper\n",
        "deps/base.txt": "six==1.16.0\n",
        "libs/helper/pyproject.toml": """
            [project]
            name = "agent-helper"
            version = "0.1"
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
        """,
        "libs/helper/agent_helper/__init__.py": "GREETING = 'hello from the upload'\n",
    })

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert versions["agent-helper"] == "0.1"
    # installed into the environment, not linked to the build's scratch copy of the upload
    assert run(artifact, "import agent_helper; print(agent_helper.GREETING, agent_helper.__file__)").startswith(
        f"hello from the upload {artifact.ref}")


async def test_a_pyproject_src_layout_project_is_installed_with_its_pinned_dependencies(tmp_path: Path) -> None:
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
    })

    assert installed(artifact)["six"] == "1.16.0"
    assert run(artifact, "from my_agent.crew import NAME; print(NAME)") == "crew"


async def test_poetry_constraints_are_translated_and_the_app_itself_not_built(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "pyproject.toml": """
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
        """,
    })

    assert installed(artifact)["six"].startswith("1.16.")


async def test_poetry_lock_installs_the_main_group_exactly_as_locked(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nsix = "*"\n',
        "poetry.lock": """
            [[package]]
            name = "six"
            version = "1.16.0"
            optional = false
            python-versions = "*"
            groups = ["main"]

            [[package]]
            name = "iniconfig"
            version = "2.0.0"
            optional = false
            python-versions = "*"
            groups = ["dev"]
        """,
    })

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert "iniconfig" not in versions


async def test_uv_lock_is_installed_as_locked_without_its_dev_group(tmp_path: Path) -> None:
    folder = upload(tmp_path, {"pyproject.toml": """
        [project]
        name = "locked-agent"
        version = "0.1"
        requires-python = ">=3.11"
        dependencies = ["six>=1.10"]
        [dependency-groups]
        dev = ["iniconfig"]
    """})
    # The lock pins six at 1.16.0 although the pyproject allows newer: the lock wins.
    (folder / "pyproject.toml").write_text((folder / "pyproject.toml").read_text().replace(
        '"six>=1.10"', '"six==1.16.0"'))
    subprocess.run([shutil.which("uv") or "uv", "lock", "--quiet", "--directory", str(folder)], check=True)
    (folder / "pyproject.toml").write_text((folder / "pyproject.toml").read_text().replace(
        '"six==1.16.0"', '"six>=1.10"'))

    artifact = await builder(tmp_path).build(BuildInput("b1", "agent", folder, "sha256:uv", []), no_progress)

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert "iniconfig" not in versions


async def test_a_pipfile_lock_installs_its_default_section(tmp_path: Path) -> None:
    lock = {"_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
            "default": {"six": {"version": "==1.16.0"}}, "develop": {"iniconfig": {"version": "==2.0.0"}}}
    artifact = await build(tmp_path, {"Pipfile.lock": json.dumps(lock)})

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert "iniconfig" not in versions


async def test_a_pylock_toml_installs_its_packages_at_their_versions(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {"pylock.toml": """
        lock-version = "1.0"
        created-by = "hand"
        [[packages]]
        name = "six"
        version = "1.16.0"
        [[packages]]
        name = "iniconfig"
        version = "2.0.0"
        marker = "'dev' in dependency_groups"
    """})

    versions = installed(artifact)
    assert versions["six"] == "1.16.0"
    assert "iniconfig" not in versions


async def test_an_integration_the_code_imports_is_added_when_the_manifest_lacks_it(
        tmp_path: Path) -> None:
    artifact = await build(tmp_path, {"requirements.txt": "six==1.16.0\n",
                                      "agent.py": "from agno.models.openai import OpenAIChat\n"})

    # agno's OpenAI model needs the openai SDK, which agno does not install itself
    assert "openai" in installed(artifact)


@pytest.mark.parametrize(("files", "named"), [
    ({"requirements.txt": "--extra-index-url https://mirror.example/simple\nsix\n"}, "--extra-index-url"),
    ({"requirements.txt": "-i https://mirror.example/simple\n"}, "-i https://mirror.example/simple"),
    ({"requirements.txt": "--find-links /srv/wheels\n"}, "--find-links /srv/wheels"),
    ({"requirements.txt": "--trusted-host mirror.example\n"}, "--trusted-host"),
    ({"requirements.txt": "git+https://github.com/example/tool.git\n"}, "git+https://github.com/example/tool.git"),
    ({"requirements.txt": "tool @ git+https://github.com/example/tool.git\n"}, "tool @ git+https"),
    ({"requirements.txt": "tool @ https://example.com/tool-1.0.tar.gz\n"}, "tool-1.0.tar.gz"),
    ({"requirements.txt": "https://example.com/tool-1.0-py3-none-any.whl\n"}, "tool-1.0-py3-none-any.whl"),
    ({"requirements.txt": "tool @ file:///opt/tool\n"}, "file:///opt/tool"),
    ({"requirements.txt": "/opt/tool\n"}, "/opt/tool"),
    ({"requirements.txt": "../sibling\n"}, "../sibling"),
    ({"requirements.txt": "-e ../sibling\n"}, "../sibling"),
    ({"requirements.txt": "-r ../other/requirements.txt\n"}, "-r ../other/requirements.txt"),
    ({"requirements.txt": "-c /etc/constraints.txt\n"}, "-c /etc/constraints.txt"),
    ({"pyproject.toml": '[project]\nname = "a"\ndependencies = ["tool @ git+https://g.example/t"]\n'}, "tool @ git+"),
    ({"pyproject.toml": '[project]\nname = "a"\ndependencies = []\n[tool.uv]\nindex-url = "https://m.example"\n'},
     "index-url"),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\ntool = {git = "https://g.example/t"}\n'},
     "tool = {git"),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nx = "1"\n', "poetry.lock": """
        [[package]]
        name = "tool"
        version = "1.0"
        groups = ["main"]
        [package.source]
        type = "git"
        url = "https://g.example/t"
    """}, "tool==1.0 from https://g.example/t"),
])
async def test_a_requirement_that_points_outside_the_upload_is_refused_naming_it(
        tmp_path: Path, files: dict[str, str], named: str) -> None:
    with pytest.raises(BuildError, match="does not install") as refused:
        await build(tmp_path, files)

    assert named in str(refused.value)
    assert not (tmp_path / "builds" / "envs").exists() or not any((tmp_path / "builds" / "envs").iterdir())


async def test_an_analysis_package_that_is_not_a_plain_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"git\+https://g\.example/t"):
        await build(tmp_path, {}, packages=["git+https://g.example/t"])


async def test_a_setup_py_that_imports_pkg_resources_still_builds(tmp_path: Path) -> None:
    # as ibm-cloud-sdk-core 3.18 does: setuptools 82+ no longer has pkg_resources
    artifact = await build(tmp_path, {
        "requirements.txt": "./legacy\n",
        "legacy/setup.py": """
            import pkg_resources
            from setuptools import setup

            setup(name="legacy-tool", version="1.0", py_modules=["legacy_tool"])
        """,
        "legacy/legacy_tool.py": "VALUE = 42\n",
    })

    assert run(artifact, "import legacy_tool; print(legacy_tool.VALUE)") == "42"


async def test_extras_asked_of_a_project_inside_the_upload_are_installed(tmp_path: Path) -> None:
    artifact = await build(tmp_path, {
        "requirements.txt": "-e ./engine[pinned]\n",
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
    })

    assert installed(artifact)["six"] == "1.16.0"
