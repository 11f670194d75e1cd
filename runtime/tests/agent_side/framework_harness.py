"""Running an agent's entry through the agent side, offline, as the runtime's child process does.

`run_entry` loads an entry with `load_entry` (the shared entry rules) in a `python -I` child that has
only the runtime's src dir on its path, runs the given turns through its adapter and returns the
events. The child's interpreter is this one (standard-library agents) or a framework's virtualenv
(`framework_python`: the packages of `ENVIRONMENTS`, from PyPI, built once under .cache/fwenvs and
reused). The model is a local `FakeOpenAI`. `run_agent` is the short way for a one-file agent
played against a `Script`.

Build every virtualenv ahead of a test run: `uv run python -m runtime.tests.agent_side.framework_harness`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from runagents_contracts.entry_rules import rules_as_json

from runagents_runtime.agent_side.adapters import ADAPTER_MODULES
from runtime.tests.agent_side.fake_openai import FakeOpenAI, Script

REPO = Path(__file__).resolve().parents[3]
RUNTIME_SRC = REPO / "runtime" / "src"
EXAMPLES = Path(__file__).parent / "examples"
FRAMEWORK_ENVS = REPO / ".cache" / "fwenvs"

ENVIRONMENTS = {
    "openai_agents": ["openai-agents==0.24.0", "httpx==0.28.1"],
    "langgraph": ["langgraph==1.2.22", "langchain-openai==1.7.3", "langchain==1.5.2"],
    "langchain03": ["langchain==0.3.27", "langchain-openai==0.3.35"],
    "crewai": ["crewai==1.15.30"],
    "llamaindex": ["llama-index-core==0.14.25", "llama-index-llms-openai==0.8.3"],
    "pydantic_ai": ["pydantic-ai-slim[openai]==2.78.0"],
    "smolagents": ["smolagents[openai]==1.26.0"],
    "autogen": ["autogen-agentchat==0.7.5", "autogen-ext[openai]==0.7.5"],
    "agno": ["agno==3.1.10", "openai==3.63.0"],
    "google_adk": ["google-adk==2.15.0", "litellm==1.110.2"],
}
"""Each framework virtualenv under .cache/fwenvs and the PyPI packages it holds."""

ADAPTER_OF_MODULE = {module: adapter for adapter, module in ADAPTER_MODULES.items()}


def framework_python(name: str) -> Path:
    """The interpreter of .cache/fwenvs/<name>, built with uv from `ENVIRONMENTS[name]` the first time."""
    venv = FRAMEWORK_ENVS / name
    python = venv / "bin" / "python"
    done = venv / ".done"
    if not done.exists():
        subprocess.run(["uv", "venv", str(venv), "--python", "3.11", "-q", "--allow-existing"], check=True)
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(python), *ENVIRONMENTS[name]], check=True,
                       timeout=1800)
        done.touch()
    return python


_CHILD = textwrap.dedent(
    """
    import asyncio, importlib, json, sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from runagents_runtime.agent_side.adapters import adapter_module
    from runagents_runtime.agent_side.loading import EntryLoadError, EntrySpec, load_entry, module_name_of
    from runagents_runtime.agent_side.turn import Turn
    job = json.loads(sys.argv[2])
    spec = EntrySpec(**job["spec"])
    try:
        entry = load_entry(spec, Path(job["root"]), job["rules"])
    except EntryLoadError as exc:
        print("RESULT:" + json.dumps({"error": str(exc)}))
        raise SystemExit(0)
    module = sys.modules.get(spec.module or module_name_of(spec.file) or "")
    target = getattr(module, entry.target, None)
    recognized = target is not None and bool(adapter_module(entry.adapter).recognizes(target))

    async def main():
        return [[event async for event in entry.run(Turn(**turn))] for turn in job["turns"]]

    runs = asyncio.run(main()) if job["turns"] else []
    print("RESULT:" + json.dumps({"adapter": entry.adapter, "target": entry.target, "recognized": recognized,
                                  "runs": runs}))
    """
)


@dataclass
class AgentRun:
    """What the child answered: the entry it loaded (or the error that stopped it), the events of
    each turn, and the requests the model got during the run."""

    adapter: str | None
    target: str | None
    error: str | None
    recognized: bool
    runs: list[list[dict[str, Any]]]
    requests: list[dict[str, Any]]

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events of the only turn."""
        [events] = self.runs
        return events


def agent_environment(model: FakeOpenAI | None, home: Path | None = None) -> dict[str, str]:
    """The child's whole environment: the OpenAI SDK (and the frameworks over it) call `model`,
    the echo tool is the model's echo route, and no framework's telemetry leaves the machine."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home) if home else os.environ.get("HOME", "/tmp"),
        "NO_PROXY": "127.0.0.1,localhost",
        "CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_TRACING_ENABLED": "false", "OTEL_SDK_DISABLED": "true",
        "AGNO_TELEMETRY": "false", "ANONYMIZED_TELEMETRY": "false", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    if model is not None:
        environment |= {
            "OPENAI_BASE_URL": model.base_url, "OPENAI_API_BASE": model.base_url,
            "OPENAI_API_KEY": "sk-test-fake", "OPENAI_MODEL_NAME": "gpt-4o-mini",
            "TOOL_URL_ECHO": model.base_url.removesuffix("/v1") + "/echo",
        }
    return environment


def run_entry(root: str | Path, spec: dict[str, Any], turns: list[dict[str, Any]] | None = None, *,
              python: str | Path = sys.executable, model: FakeOpenAI | None = None,
              home: Path | None = None) -> AgentRun:
    """Load the entry `spec` ({file, adapter?, target?, module?}) of `root` (a folder, or the name of
    one in examples/) and run `turns` (Turn fields; None: only load) in one child of `python`."""
    root = root if isinstance(root, Path) else EXAMPLES / root
    job = {"spec": {"file": spec["file"], "adapter": spec.get("adapter"), "target": spec.get("target"),
                    "module": spec.get("module")},
           "root": str(root), "rules": rules_as_json(), "turns": turns or []}
    asked_before = len(model.requests) if model else 0
    completed = subprocess.run(
        [str(python), "-I", "-c", _CHILD, str(RUNTIME_SRC), json.dumps(job)],
        cwd=root, env=agent_environment(model, home), capture_output=True, text=True, timeout=300, check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT:")]
    if completed.returncode != 0 or not lines:
        output = f"{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
        pytest.fail(f"the agent run failed ({completed.returncode}):\n{output}")
    result = json.loads(lines[-1].removeprefix("RESULT:"))
    return AgentRun(adapter=result.get("adapter"), target=result.get("target"), error=result.get("error"),
                    recognized=result.get("recognized", False), runs=result.get("runs", []),
                    requests=model.requests[asked_before:] if model else [])


def run_agent(
    framework: str, tmp_path: Path, source: str, target: str, script: Script, turns: list[dict[str, Any]]
) -> AgentRun:
    """Write `source` as agent.py, bind `target` with the framework's adapter in the framework's
    virtualenv, and run `turns` against a model playing `script`."""
    (tmp_path / "agent.py").write_text(textwrap.dedent(source))
    spec = {"file": "agent.py", "adapter": ADAPTER_OF_MODULE[framework], "target": target}
    with FakeOpenAI(script) as model:
        result = run_entry(tmp_path, spec, turns, python=framework_python(framework), model=model, home=tmp_path)
    assert result.error is None, result.error
    return result


def events_of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]


def assert_well_formed(events: list[dict[str, Any]]) -> None:
    """One answer, last."""
    assert events, "no events"
    assert events[-1]["type"] == "answer", events
    assert [e["type"] for e in events].count("answer") == 1, events


HISTORY_WORD = "pomegranate"
"""A word only the history of `conversation`'s last turn holds."""


def plain_and_streamed(message: str) -> list[dict[str, Any]]:
    """`message` as a plain turn, then as a streamed one."""
    return [{"message": message}, {"message": message, "stream": True}]


def conversation(message: str) -> list[dict[str, Any]]:
    """`plain_and_streamed(message)`, then a turn whose history holds `HISTORY_WORD`."""
    history = [{"role": "user", "content": f"Remember the word {HISTORY_WORD}."},
               {"role": "assistant", "content": "Noted."}]
    return [*plain_and_streamed(message), {"message": "And now?", "history": history}]


def code_script(tool_result_mark: str, before: str, after: str, tool: str = "") -> Script:
    """A model playing a code agent: the text `before` until `tool_result_mark` is in the conversation,
    then `after`."""
    return Script(tool=tool, tool_arguments={}, tool_result_mark=tool_result_mark, final_text="", code=(before, after))


def assert_answered(result: AgentRun, answer: str | dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The entry was recognized, and every run is well formed and ends with the answer `answer`
    (a dict: the JSON the answer's text holds). Returns the runs."""
    assert result.recognized
    for events in result.runs:
        assert_well_formed(events)
        text = events[-1]["text"]
        assert (json.loads(text) if isinstance(answer, dict) else text) == answer
    return result.runs


def assert_one_tool_round(events: list[dict[str, Any]], name: str, arguments: dict[str, Any], output: Any) -> None:
    """Exactly one tool call, to `name` with `arguments`, and exactly one tool result, of that call,
    whose content is `output` (a dict: the JSON the content holds)."""
    [call] = events_of(events, "tool_call")
    assert call["name"] == name and json.loads(call["arguments"]) == arguments
    [tool_result] = events_of(events, "tool_result")
    assert tool_result["id"] == call["id"]
    content = tool_result["content"]
    assert (json.loads(content) if isinstance(output, dict) else content) == output


def assert_conversation_answered(result: AgentRun, answer: str, tool: tuple[str, dict[str, Any]], output: Any) -> None:
    """`conversation`'s three turns each answered `answer` after one round of `tool` (name, arguments)
    that gave `output`; the plain turn without content deltas, the streamed one with several deltas
    that join to the answer; the history's word reached the model."""
    plain, streamed, _with_history = assert_answered(result, answer)
    for events in result.runs:
        assert_one_tool_round(events, *tool, output)
    assert events_of(plain, "content") == []
    deltas = events_of(streamed, "content")
    assert len(deltas) > 1 and "".join(e["delta"] for e in deltas) == answer
    assert HISTORY_WORD in json.dumps(result.requests[-1]["messages"])


if __name__ == "__main__":  # build every framework's virtualenv ahead of a test run
    for environment_name in sys.argv[1:] or ENVIRONMENTS:
        print(framework_python(environment_name))
