"""`runagents analyze`: the same report as the API, in-process, with no service running."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx

import runagents_analyzer
from runagents.processes import PlatformProcesses
from runagents_analyzer.analyses.samples import load_sample
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import analyze_sample

SAMPLE = Path(runagents_analyzer.__file__).parent / "samples" / "hello_world"


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runagents", "analyze", *args], capture_output=True, text=True,
                          timeout=120)


def without_suggestions(report: dict[str, Any]) -> dict[str, Any]:
    for item in report["tools"] + report["llm_usage"]:
        item["suggested"] = None
    return report


def test_json_report_is_the_one_the_api_returns(dev_platform: PlatformProcesses, tmp_path: Path) -> None:
    # The platform analyzes the sample as written for itself (its own URL in the tool URL): the same files here.
    for name, data in load_sample("hello-world", dev_platform.base_url):
        (tmp_path / name).write_bytes(data)
    done = analyze("--json", str(tmp_path))
    assert done.returncode == 0, done.stderr
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=30) as client:
        api_report = analyze_sample(client)["report"]
    assert json.loads(done.stdout) == without_suggestions(api_report)


def test_summary_names_each_finding_for_a_person(tmp_path: Path) -> None:
    archive = tmp_path / "agent.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path in SAMPLE.iterdir():
            zipped.write(path, f"hello/{path.name}")
    archive.write_bytes(buffer.getvalue())
    done = analyze(str(archive))
    assert done.returncode == 0, done.stderr
    assert "Tier: platform" in done.stdout and "Entry point: agent.py" in done.stdout
    assert "POST http://localhost:8000/starter/echo/echo  agent.py:16" in done.stdout
    assert "openai playground-mini [chat]  agent.py:24" in done.stdout


def test_a_path_traversing_archive_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../etc/evil.py", "print('x')\n")
    done = analyze(str(archive))
    assert done.returncode != 0
    assert "refused (path_traversal)" in done.stderr
