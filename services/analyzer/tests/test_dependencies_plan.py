"""The install plan of an upload: which declaration wins, the exact lines it gives, and what is refused."""

import json
import textwrap

import pytest

from runagents_analyzer.engine.dependencies import InstallPlan, plan_install
from runagents_analyzer.engine.pipeline import analyze_files


def plan(files: dict[str, str], analysis: list[str] | None = None) -> InstallPlan:
    return plan_install({p: textwrap.dedent(t).lstrip("\n").encode() for p, t in files.items()}, analysis or [])


def refused(result: InstallPlan) -> list[str]:
    return [r.requirement for r in result.refused]


@pytest.mark.parametrize(("constraint", "specifier"), [
    ("^1.2.3", ">=1.2.3,<2.0.0"), ("^0.2.3", ">=0.2.3,<0.3.0"), ("^0.0.3", ">=0.0.3,<0.0.4"), ("^2", ">=2,<3.0"),
    ("~1.2.3", ">=1.2.3,<1.3.0"), ("~1.2", ">=1.2,<1.3"), ("~1", ">=1,<2.0"), ("1.4.0", "==1.4.0"), ("*", ""),
    (">=1.0,<2.0", ">=1.0,<2.0"), ("~=1.4", "~=1.4"), ("1.2.*", "==1.2.*"),
])
def test_poetry_constraints_become_pep_440(constraint: str, specifier: str) -> None:
    result = plan({"pyproject.toml": f'[tool.poetry.dependencies]\npython = "^3.11"\nsix = "{constraint}"\n'})

    assert result.requirements == [f"six{specifier}"]


def test_poetry_extras_markers_and_optional_dependencies() -> None:
    result = plan({"pyproject.toml": """
        [tool.poetry.dependencies]
        python = "^3.11"
        google-cloud-aiplatform = { extras = ["adk", "agent-engines"], version = "^1.93.0" }
        pywin32 = { version = "*", markers = "sys_platform == 'win32'" }
        pandas = { version = "^2", optional = true }
    """})

    assert result.requirements == ["google-cloud-aiplatform[adk,agent-engines]>=1.93.0,<2.0.0",
                                   "pywin32 ; sys_platform == 'win32'"]


def test_a_lock_wins_over_pyproject_and_requirements() -> None:
    lock = {"_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
            "default": {"six": {"version": "==1.16.0", "markers": "python_version >= '3.8'"}}}
    result = plan({"Pipfile.lock": json.dumps(lock), "requirements.txt": "six\n",
                   "pyproject.toml": '[project]\nname = "a"\ndependencies = ["six"]\n'})

    assert result.source == "Pipfile.lock"
    assert result.requirements == ["six==1.16.0 ; python_version >= '3.8'"]


def test_pyproject_wins_over_requirements_and_the_project_itself_is_installed() -> None:
    result = plan({"pyproject.toml": '[project]\nname = "my-agent"\ndependencies = ["openai>=1"]\n'
                                     '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
                   "my_agent/__init__.py": "", "requirements.txt": "openai==0.28\n"})

    assert (result.source, result.requirements, result.projects) == ("pyproject.toml", ["openai>=1"], ["."])


def test_a_build_system_with_nothing_to_build_does_not_install_the_app_itself() -> None:
    result = plan({"pyproject.toml": '[project]\nname = "my-app"\ndependencies = ["openai"]\n'
                                     '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
                   "main.py": ""})

    assert result.projects == []


def test_requirements_txt_is_read_first_and_dev_files_are_not_installed() -> None:
    assert plan({"requirements-dev.txt": "pytest\n", "requirements.txt": "six\n"}).requirements == ["six"]
    only_prod = plan({"requirements-dev.txt": "pytest\n", "requirements-prod.txt": "six\n"})
    assert only_prod.source == "requirements-prod.txt"


def test_a_local_project_with_extras_inside_the_upload() -> None:
    result = plan({"requirements.txt": "-e .[server]\n", "setup.py": "", "x.py": ""})

    assert result.projects == [".[server]"] and result.refused == []


@pytest.mark.parametrize(("files", "named"), [
    ({"Pipfile.lock": json.dumps({"_meta": {"sources": [{"name": "corp", "url": "https://pypi.corp.example/simple"}]},
                                  "default": {}})}, "source corp = https://pypi.corp.example/simple"),
    ({"pylock.toml": '[[packages]]\nname = "tool"\nversion = "1"\n[packages.vcs]\ntype = "git"\n'
                     'url = "https://g.example/t"\ncommit-id = "abc"\n'}, "tool from https://g.example/t"),
    ({"pyproject.toml": '[project]\nname = "a"\n', "uv.lock": '[[package]]\nname = "tool"\nversion = "1"\n'
                                                             'source = { registry = "https://corp.example/simple" }\n'},
     "tool==1 from https://corp.example/simple"),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nx = "1"\n[[tool.poetry.source]]\nname = "corp"\n'
                        'url = "https://corp.example/simple"\npriority = "primary"\n'},
     "[[tool.poetry.source]] corp = 'https://corp.example/simple'"),
    ({"requirements.txt": "-e git+https://g.example/t#egg=t\n"}, "git+https://g.example/t#egg=t"),
    ({"requirements.txt": "~/tools/mine\n"}, "~/tools/mine"),
    ({"requirements.txt": "--no-index\n"}, "--no-index"),
], ids=["pipfile-index", "pylock-vcs", "uv-lock-index", "poetry-source", "editable-vcs", "home-path", "no-index"])
def test_sources_other_than_pypi_and_the_upload_are_refused(files: dict[str, str], named: str) -> None:
    assert refused(plan(files)) == [named]


def test_an_analysis_package_is_used_only_when_the_upload_declares_nothing() -> None:
    assert plan({"agent.py": ""}, ["openai"]).requirements == ["openai"]
    assert plan({"agent.py": "", "requirements.txt": "anthropic\n"}, ["openai"]).requirements == ["anthropic"]


@pytest.mark.parametrize(("code", "declared", "added"), [
    ("from langchain_openai import ChatOpenAI", "langchain\n", ["langchain-openai"]),
    ("from langchain_openai import ChatOpenAI", "langchain\nlangchain-openai==0.3\n", []),
    ("from pydantic_ai.models.openai import OpenAIModel", "pydantic-ai-slim==1.0\n", ["pydantic-ai-slim[openai]"]),
    ("from pydantic_ai.models.openai import OpenAIModel", "pydantic-ai-slim[openai]==1.0\n", []),
    ("from pydantic_ai.models.openai import OpenAIModel", "pydantic-ai\n", []),
    ("from smolagents import CodeAgent, OpenAIServerModel", "smolagents\n", ["smolagents[openai]"]),
    ("import langchain", "langchain\n", []),
    ("from google.adk.agents import Agent", "google-adk==0.5.0\n", ["Deprecated"]),
])
def test_an_integration_the_code_imports_is_added_when_the_manifest_lacks_it(
        code: str, declared: str, added: list[str]) -> None:
    assert plan({"agent.py": code, "requirements.txt": declared}).added == added


def test_imports_a_declaration_leaves_out_are_added_from_the_analysis() -> None:
    result = plan({"requirements.txt": "llama-index-core==0.12.0\n", "agent.py": "import dotenv, llama_index.core\n"},
                  analysis=["llama-index-core", "python-dotenv"])

    assert result.requirements == ["llama-index-core==0.12.0"]
    assert result.added == ["python-dotenv"]


def test_a_pyproject_that_declares_nothing_still_gets_what_the_code_imports() -> None:
    result = plan({"pyproject.toml": '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.11"\n',
                   "agent.py": "import dotenv\n"}, analysis=["python-dotenv"])

    assert result.install_lines() == ["python-dotenv"]


def test_code_written_for_langchain_before_1_0_keeps_it_below_1_0_unless_the_manifest_bounds_it() -> None:
    code = "from langchain.agents import AgentExecutor, create_tool_calling_agent\n"
    unbounded = plan({"requirements.txt": "langchain\nlangchain-openai\n", "agent.py": code})
    bounded = plan({"requirements.txt": "langchain==0.3.27\n", "agent.py": code})
    current = plan({"requirements.txt": "langchain\n", "agent.py": "from langchain.agents import create_agent\n"})

    assert unbounded.constraints == ["langchain<1.0"]
    assert bounded.constraints == [] and current.constraints == []


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
def test_each_kind_of_reference_outside_the_upload_is_refused_naming_it(files: dict[str, str], named: str) -> None:
    described = [refusal.describe() for refusal in plan(files).refused]

    assert described and any(named in line for line in described), described


def test_an_analysis_package_that_is_not_a_plain_name_is_refused() -> None:
    assert refused(plan({}, ["git+https://g.example/t"])) == ["git+https://g.example/t"]


def test_the_report_gives_the_install_plan_the_builder_installs() -> None:
    report = analyze_files({
        "agent.py": b"import dotenv\nfrom agno.models.openai import OpenAIChat\n\ndef handler(message):\n"
                    b"    return message\n",
        "requirements.txt": b"-r deps/base.txt\n-e ./libs/helper[server]\n",
        "deps/base.txt": b"aiohttp==3.14.3\n",
        "libs/helper/pyproject.toml": b'[project]\nname = "helper"\nversion = "0.1"\n',
    })

    assert report.install_plan is not None
    assert report.install_plan.source == "requirements.txt"
    assert report.install_plan.requirements == ["aiohttp==3.14.3"]
    assert report.install_plan.projects == ["libs/helper[server]"]
    assert not report.install_plan.uv_lock
    assert [added.requirement for added in report.install_plan.added] == ["openai", "agno", "python-dotenv"]
    assert all(added.reason for added in report.install_plan.added)


def test_a_uv_lock_upload_s_plan_tells_the_builder_to_export_it() -> None:
    report = analyze_files({"agent.py": b"import six\n", "pyproject.toml": b'[project]\nname = "a"\nversion = "1"\n',
                            "uv.lock": b'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n'
                                       b'source = { registry = "https://pypi.org/simple" }\n'})

    assert report.install_plan is not None
    assert (report.install_plan.source, report.install_plan.uv_lock, report.install_plan.requirements) == (
        "uv.lock", True, [])


def test_a_report_whose_manifest_is_refused_has_no_plan_and_says_why() -> None:
    # (an upload never gets here: it is refused at upload; the engine alone still says it)
    report = analyze_files({"agent.py": b"import six\n", "requirements.txt": b"six\n--index-url https://m.example\n"})

    assert report.install_plan is None
    assert [(e.file, e.line) for e in report.errors] == [("requirements.txt", 2)]
    assert "--index-url https://m.example" in report.errors[0].message
