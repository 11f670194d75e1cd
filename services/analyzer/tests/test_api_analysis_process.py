"""Each analysis runs in a process of its own: killed at its deadline, tried again a bounded number
of times, then failed for good with the reason; it sees none of the service's secrets; what crashed
analyzers left in their scratch folders is removed at the next start.

The engine is replaced here by small stand-in programs (a stuck one, one that is killed, one that
reports its environment) through ``engine_process.ENGINE_COMMAND``: no real input stalls the engine
any more (test_engine_linear_time.py shows the ones that did)."""

import sys
import textwrap
from pathlib import Path

import pytest

from runagents_analyzer.analyses import engine_process, repository
from runagents_common.scratch import ScratchSpace
from runagents_common.testing import leave_scratch_of_a_killed_process

from .conftest import Analyzer, StartAnalyzer

AGENT = b'import httpx\n\ndef handler(event):\n    return httpx.get("https://api.github.com/zen").text\n'
REAL_ENGINE = "import runagents_analyzer.engine.__main__ as engine; sys.exit(engine.main())"


@pytest.fixture
def no_registry(monkeypatch: pytest.MonkeyPatch, closed_port_url: str) -> None:
    """Policy and gateway unreachable: the analysis succeeds without suggestions, and fast."""
    monkeypatch.setenv("RUNAGENTS_POLICY_URL", closed_port_url)
    monkeypatch.setenv("RUNAGENTS_GATEWAY_URL", closed_port_url)


def engine_command(script: str, *arguments: str) -> tuple[str, ...]:
    return (sys.executable, "-c", "import os, signal, sys, time\n" + textwrap.dedent(script), *arguments)


def is_gone(pid: int) -> bool:
    """Neither running nor a zombie waiting to be reaped."""
    return not Path(f"/proc/{pid}").exists()


async def analyze(analyzer: Analyzer) -> dict[str, object]:
    accepted = await analyzer.client.post("/api/v1/analyses", files=[("files", ("agent.py", AGENT))])
    assert accepted.status_code == 202, accepted.text
    return await analyzer.wait_finished(accepted.json()["id"])


async def attempts_of(analyzer: Analyzer, analysis_id: str) -> int:
    async with analyzer.component.database.session() as session:
        analysis = await repository.get(session, analysis_id)
        assert analysis is not None
        return analysis.attempts


async def test_an_analysis_past_its_deadline_is_killed_and_after_its_attempts_failed_for_good(
    start_analyzer: StartAnalyzer, no_registry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "engine-pids"
    stuck = engine_command("open(sys.argv[1], 'a').write(f'{os.getpid()}\\n')\ntime.sleep(600)", str(pids))
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", stuck)

    async with start_analyzer(analyzer_timeout_seconds=1.5, analyzer_max_attempts=2) as analyzer:
        done = await analyze(analyzer)
        events = await analyzer.events_of(str(done["id"]))
        attempts = await attempts_of(analyzer, str(done["id"]))

    assert done["status"] == "failed"
    assert done["error"] == "the analysis exceeded its 1.5 s deadline on attempt 2; giving up after 2 attempts"
    assert events[-1].type == "analysis.completed.v1" and events[-1].data["error"] == done["error"]
    assert attempts == 2
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 2
    assert all(is_gone(pid) for pid in started), "an engine process outlived its deadline"


async def test_an_analysis_whose_process_is_killed_is_tried_again_then_failed_with_the_signal(
    start_analyzer: StartAnalyzer, no_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", engine_command("os.kill(os.getpid(), signal.SIGKILL)"))

    async with start_analyzer(analyzer_max_attempts=3) as analyzer:
        done = await analyze(analyzer)

    assert done["status"] == "failed"
    assert done["error"] == "the analyzer's process was killed by SIGKILL on attempt 3; giving up after 3 attempts"


async def test_an_analysis_that_needs_more_memory_than_its_limit_fails_on_this_source(
    start_analyzer: StartAnalyzer, no_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine allocating without bound takes no more than its limit of the machine's memory."""
    hungry = engine_command("""
        import json
        from runagents_analyzer.engine.__main__ import limit_memory
        limit = json.loads(sys.stdin.read()).get("memory_bytes")
        limit_memory(limit)
        try:
            hog = bytearray(4 * (limit or 256 * 1024**2))
            print(json.dumps({"failed": f"allocated {len(hog)} bytes"}))
        except MemoryError:
            print(json.dumps({"failed": "MemoryError"}))
    """)
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", hungry)

    async with start_analyzer(analyzer_memory_limit_bytes=256 * 1024**2) as analyzer:
        done = await analyze(analyzer)

    assert done["status"] == "failed"
    assert done["error"] == "the analyzer failed on this source (MemoryError); the failure is in the service's log"


async def test_an_analysis_whose_first_process_is_killed_succeeds_on_the_next_attempt(
    start_analyzer: StartAnalyzer, no_registry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "killed-once"
    killed_once = engine_command(f"""
        if not os.path.exists(sys.argv[1]):
            open(sys.argv[1], "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        {REAL_ENGINE}
    """, str(marker))
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", killed_once)

    async with start_analyzer() as analyzer:
        done = await analyze(analyzer)
        attempts = await attempts_of(analyzer, str(done["id"]))

    assert done["status"] == "succeeded", done
    assert done["error"] is None
    assert attempts == 2


async def test_the_engine_process_sees_none_of_the_services_environment(
    start_analyzer: StartAnalyzer, no_registry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "engine-environment"
    monkeypatch.setenv("RUNAGENTS_DEPLOYER_SECRET_KEY", "deployer-secret-in-the-service")
    monkeypatch.setenv("DATABASE_URL", "postgresql://platform:hunter2@db/platform")
    reporting = engine_command(f"""
        open(sys.argv[1], "w").write("\\n".join(f"{{k}}={{v}}" for k, v in os.environ.items()))
        {REAL_ENGINE}
    """, str(seen))
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", reporting)

    async with start_analyzer() as analyzer:
        done = await analyze(analyzer)

    assert done["status"] == "succeeded", done
    environment = dict(line.split("=", 1) for line in seen.read_text().splitlines())
    assert set(environment) <= {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH"}
    assert "secret" not in seen.read_text() and "hunter2" not in seen.read_text()


def existing(*paths: Path) -> list[Path]:
    return [path for path in paths if path.exists()]


def entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_scratch_folders_left_by_a_killed_analyzer_are_removed_at_the_next_start(
    start_analyzer: StartAnalyzer, no_registry: None, tmp_path: Path
) -> None:
    scratch_root = tmp_path / "data" / "analyzer" / "scratch"
    left_behind = leave_scratch_of_a_killed_process(scratch_root, "analysis-")
    alive = ScratchSpace(scratch_root)  # another analyzer process sharing the data directory
    with alive.folder("analysis-") as in_use:
        async with start_analyzer() as analyzer:
            done = await analyze(analyzer)

        assert done["status"] == "succeeded", done
        assert existing(left_behind, left_behind.parent, in_use) == [in_use]
    alive.close()
    assert entries(scratch_root) == [], "the analyzer left scratch after a clean stop"
