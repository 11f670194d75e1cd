"""Loading an example and running one turn in a child interpreter, as the runtime's child does:
`python -I` with only the agent side on its path (and a framework's virtualenv when given)."""

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from runagents_contracts.entry_rules import rules_as_json

RUNTIME_SRC = Path(__file__).resolve().parents[2] / "src"
EXAMPLES = Path(__file__).parent / "examples"
_FAKE = importlib.util.spec_from_file_location("agent_side_fake_openai", Path(__file__).parent / "fake_openai.py")
assert _FAKE is not None and _FAKE.loader is not None
fake_openai = importlib.util.module_from_spec(_FAKE)
_FAKE.loader.exec_module(fake_openai)
FRAMEWORK_ENVS = Path(__file__).resolve().parents[3] / ".cache" / "fwenvs"

CHILD = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from runagents_runtime.agent_side.loading import EntryLoadError, EntrySpec, load_entry
from runagents_runtime.agent_side.turn import Turn
job = json.loads(sys.argv[2])
try:
    entry = load_entry(EntrySpec(**job["spec"]), Path(job["root"]), job["rules"])
except EntryLoadError as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
async def turn():
    return [e async for e in entry.run(Turn(**job["turn"]))]
events = asyncio.run(turn()) if job["turn"] else []
print(json.dumps({"adapter": entry.adapter, "target": entry.target, "events": events}))
"""


def run_entry(example: str | Path, spec: dict[str, Any], turn: dict[str, Any] | None,
              python: str = sys.executable, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Load `examples/<example>` by `spec` and run `turn` (None: only load); the child's JSON answer."""
    root = example if isinstance(example, Path) else EXAMPLES / example
    job = {"spec": {"file": spec["file"], "adapter": spec.get("adapter"), "target": spec.get("target"),
                    "module": spec.get("module")},
           "root": str(root), "rules": rules_as_json(), "turn": turn}
    done = subprocess.run([python, "-I", "-c", CHILD, str(RUNTIME_SRC), json.dumps(job)], cwd=root,
                          capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def framework_python(name: str) -> str:
    """The interpreter of .cache/fwenvs/<name>: the framework's real package from PyPI, in a
    virtualenv built once by build_envs.sh (on first use) and reused."""
    python = FRAMEWORK_ENVS / name / "bin" / "python"
    if not (FRAMEWORK_ENVS / name / ".done").exists():
        subprocess.run(["sh", str(Path(__file__).parent / "build_envs.sh")], check=True, timeout=1800)
    assert python.exists(), f"{python} was not built: see {Path(__file__).parent / 'build_envs.sh'}"
    return str(python)


@pytest.fixture(name="run_entry")
def run_entry_fixture() -> Callable[..., dict[str, Any]]:
    return run_entry


@pytest.fixture(name="framework_python")
def framework_python_fixture() -> Callable[[str], str]:
    return framework_python


@pytest.fixture(scope="session")
def provider_env() -> Iterator[dict[str, str]]:
    """The environment of a child whose OpenAI SDK (and the frameworks over it) calls the fake provider."""
    with fake_openai.FakeOpenAI() as fake:
        yield {**os.environ, "OPENAI_BASE_URL": fake.base_url, "OPENAI_API_BASE": fake.base_url,
               "TOOL_URL_ECHO": fake.base_url.removesuffix("/v1") + "/echo",
               "OPENAI_API_KEY": "sk-test-fake", "OPENAI_MODEL_NAME": "gpt-4o-mini",
               "CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true", "CREWAI_TRACING_ENABLED": "false",
               "HOME": os.environ.get("HOME", "/tmp")}
