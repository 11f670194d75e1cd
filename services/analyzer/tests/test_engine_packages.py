"""Required packages: manifests first, then imports mapped to distribution names."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files
from runagents_analyzer.engine.import_names import distribution_for_import


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def packages(report: Report) -> list[tuple[str, str, str]]:
    return [(p.name, p.ecosystem, p.source) for p in report.packages]


@pytest.mark.parametrize(
    ("module", "distribution"),
    [
        ("yaml", "PyYAML"), ("cv2", "opencv-python"), ("bs4", "beautifulsoup4"), ("sklearn", "scikit-learn"),
        ("PIL.Image", "Pillow"), ("dotenv", "python-dotenv"), ("agents", "openai-agents"),
        ("google.genai", "google-genai"), ("google.generativeai", "google-generativeai"), ("mem0", "mem0ai"),
        ("fitz", "PyMuPDF"), ("docx", "python-docx"), ("jwt", "PyJWT"), ("langchain_openai", "langchain-openai"),
        ("google.cloud.storage", "google-cloud-storage"), ("azure.identity", "azure-identity"),
        ("azure.storage.blob", "azure-storage-blob"), ("llama_index.core", "llama-index-core"),
        ("llama_index.llms.openai", "llama-index-llms-openai"), ("vertexai", "google-cloud-aiplatform"),
        ("googleapiclient.discovery", "google-api-python-client"), ("requests.adapters", "requests"),
    ],
)
def test_an_import_maps_to_the_distribution_that_provides_it(module: str, distribution: str) -> None:
    assert distribution_for_import(module) == distribution


@pytest.mark.parametrize("module", ["os", "json", "asyncio", "urllib.request", "typing", "__future__", "google"])
def test_standard_library_and_bare_namespaces_map_to_nothing(module: str) -> None:
    assert distribution_for_import(module) is None


def test_imports_of_local_modules_and_packages_are_not_packages() -> None:
    report = analyze({
        "agent.py": """
            import yaml
            import helpers
            from tools.search import search
            from .util import x
            from agents import planner
        """,
        "helpers.py": "",
        "tools/__init__.py": "",
        "tools/search.py": "def search(): ...\n",
        "agents/planner.py": "",
    })

    assert packages(report) == [("PyYAML", "pypi", "import")]


def test_optional_and_type_checking_imports_are_not_required() -> None:
    report = analyze({"agent.py": """
        from typing import TYPE_CHECKING
        try:
            import ujson as json
        except ImportError:
            import json
        if TYPE_CHECKING:
            from mypy_boto3_s3 import S3Client
        import httpx
    """})

    assert packages(report) == [("httpx", "pypi", "import")]


def test_test_and_setup_files_do_not_add_imported_packages() -> None:
    report = analyze({"agent.py": "import httpx\n", "tests/test_agent.py": "import pytest\n",
                      "setup.py": "from setuptools import setup\n"})

    assert packages(report) == [("httpx", "pypi", "import")]


def test_every_manifest_format_is_read() -> None:
    report = analyze({
        "requirements.txt": """
            # runtime
            requests[socks]==2.32.3 ; python_version > "3.8"
            -r more.txt
            --index-url https://pypi.org/simple
            git+https://github.com/acme/tooling.git#egg=acme-tooling
        """,
        "requirements-dev.txt": "pytest\n",
        "pyproject.toml": """
            [project]
            name = "agent"
            dependencies = ["httpx>=0.27", "pydantic"]

            [tool.poetry.dependencies]
            python = "^3.11"
            fastapi = "*"
        """,
        "setup.cfg": "[options]\ninstall_requires =\n    tenacity>=8\n    rich\n",
        "setup.py": 'from setuptools import setup\nDEPS = ["tiktoken"]\nsetup(name="a", install_requires=DEPS)\n',
        "Pipfile": '[packages]\nlangchain = "*"\n',
        "web/package.json": '{"dependencies": {"openai": "^4.0.0", "@langchain/core": "^0.3"}}',
    })

    assert packages(report) == [
        ("@langchain/core", "npm", "manifest"), ("openai", "npm", "manifest"),
        ("acme-tooling", "pypi", "manifest"), ("fastapi", "pypi", "manifest"), ("httpx", "pypi", "manifest"),
        ("langchain", "pypi", "manifest"), ("pydantic", "pypi", "manifest"), ("requests", "pypi", "manifest"),
        ("rich", "pypi", "manifest"), ("tenacity", "pypi", "manifest"), ("tiktoken", "pypi", "manifest"),
    ]


def test_a_manifest_entry_wins_over_the_same_import_and_names_are_deduplicated() -> None:
    report = analyze({
        "requirements.txt": "pyyaml\nopencv-python-headless\nPython_Dotenv\n",
        "agent.py": "import yaml\nimport cv2\nimport dotenv\nimport bs4\n",
    })

    assert packages(report) == [
        ("beautifulsoup4", "pypi", "import"),
        ("opencv-python-headless", "pypi", "manifest"),
        ("Python_Dotenv", "pypi", "manifest"),
        ("pyyaml", "pypi", "manifest"),
    ]


def test_javascript_imports_are_npm_packages_without_node_builtins_or_relative_paths() -> None:
    report = analyze({"index.ts": """
        import fs from "node:fs";
        import path from "path";
        import OpenAI from "openai";
        import { ChatOpenAI } from "@langchain/openai/chat_models";
        import { helper } from "./helper";
        const axios = require("axios");
    """})

    assert packages(report) == [("@langchain/openai", "npm", "import"), ("axios", "npm", "import"),
                                ("openai", "npm", "import")]


@pytest.mark.parametrize(("module", "distribution"), [
    ("absl.app", "absl-py"), ("google.adk.agents", "google-adk"), ("langgraph.graph", "langgraph"),
    ("pkg_resources", "setuptools"), ("griffe", "griffelib"), ("agno.agent", "agno"), ("logfire", "logfire"),
    ("langchain_community.tools.tavily_search", "langchain-community"), ("a2a.types", "a2a-sdk"),
    ("langgraph.checkpoint.sqlite", "langgraph-checkpoint-sqlite"), ("yt_dlp", "yt-dlp"),
])
def test_imports_that_a_guess_would_get_wrong_map_to_their_real_distribution(module: str, distribution: str) -> None:
    assert distribution_for_import(module) == distribution


def test_an_import_no_known_distribution_provides_is_reported_unresolved_and_not_installed() -> None:
    report = analyze({"agent.py": """
        import httpx
        from zzq_private_toolkit import helpers
        import zzq_private_toolkit.more
        from google.zzq_unknown import thing
    """})

    assert packages(report) == [("httpx", "pypi", "import")]
    assert [(u.module, u.file, u.line) for u in report.unresolved_imports] == [
        ("zzq_private_toolkit", "agent.py", 2), ("google.zzq_unknown", "agent.py", 4)]


def test_absl_is_installed_as_absl_py_not_the_unrelated_absl_project() -> None:
    report = analyze({"agent.py": "from absl import app\n"})

    assert packages(report) == [("absl-py", "pypi", "import")]
    assert report.unresolved_imports == []


def test_an_import_the_manifest_declares_is_resolved_by_the_manifest() -> None:
    report = analyze({"agent.py": "import zzq_private_toolkit\n", "requirements.txt": "zzq-private-toolkit==1.0\n"})

    assert packages(report) == [("zzq-private-toolkit", "pypi", "manifest")]
    assert report.unresolved_imports == []
