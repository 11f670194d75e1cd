"""The analysis flow over HTTP: accepted, analyzed in the background phase by phase, report and
source served back; on SQLite and on the real Postgres."""

import gzip
import io
import sys
import tarfile
import textwrap
from uuid import uuid4

import pytest

from runagents_analyzer.analyses import engine_process
from runagents_analyzer.analyses.models import Analysis
from runagents_analyzer.sources import LocalSourceStore
from runagents_common.db import Database
from runagents_common.db.base import utcnow

from .conftest import Analyzer, StartAnalyzer

PHASES = ["parsing", "detection", "scanning", "enrichment"]
AGENT = b'import httpx\n\ndef handler(event):\n    return httpx.get("https://api.github.com/zen").text\n'
REQUIREMENTS = b"httpx\n"
EXPLODING_ENGINE = (sys.executable, "-c", textwrap.dedent("""
    import sys
    import runagents_analyzer.engine.__main__ as engine

    def explode(*args, **kwargs):
        raise RuntimeError("token sk-live-0123456789 in line 3")

    engine.analyze_tree = explode
    sys.exit(engine.main())
"""))


def untar(archive: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def upload(*files: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (name, data)) for name, data in files]


async def test_the_sample_names_the_platform_it_runs_on_whatever_its_port(start_analyzer: StartAnalyzer) -> None:
    async with start_analyzer(platform_url="http://127.0.0.1:9321/") as analyzer:
        accepted = (await analyzer.client.post("/api/v1/analyses", json={"sample": "hello-world"})).json()
        done = await analyzer.wait_finished(accepted["id"])
        source = untar((await analyzer.client.get(f"/api/v1/analyses/{accepted['id']}/source")).content)

    assert done["status"] == "succeeded", done
    assert [t["base_url"] for t in done["report"]["tools"]] == ["http://127.0.0.1:9321/starter/echo"]
    assert b'"TOOL_URL_ECHO", "http://127.0.0.1:9321/starter/echo"' in source["agent.py"]
    assert b"8000" not in source["agent.py"]


async def test_uploaded_files_are_analyzed_and_served_back_exactly(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", files=upload(("agent.py", AGENT), ("requirements.txt", REQUIREMENTS))
    )
    assert response.status_code == 202, response.text
    accepted = response.json()

    done = await analyzer.wait_finished(accepted["id"])
    source = await analyzer.client.get(f"/api/v1/analyses/{accepted['id']}/source")

    assert done["status"] == "succeeded", done
    assert done["files"] == 2
    assert [t["host"] for t in done["report"]["tools"]] == ["api.github.com"]
    assert source.status_code == 200
    assert source.headers["content-type"] == "application/gzip"
    assert source.headers["x-source-digest"] == accepted["source_digest"]
    assert untar(source.content) == {"agent.py": AGENT, "requirements.txt": REQUIREMENTS}


async def test_the_same_files_uploaded_twice_share_one_stored_source(analyzer: Analyzer) -> None:
    first = await analyzer.client.post("/api/v1/analyses", files=upload(("a.py", AGENT), ("b.txt", REQUIREMENTS)))
    second = await analyzer.client.post("/api/v1/analyses", files=upload(("b.txt", REQUIREMENTS), ("a.py", AGENT)))

    assert first.json()["id"] != second.json()["id"]
    assert first.json()["source_digest"] == second.json()["source_digest"]
    store = analyzer.component.context.store
    assert isinstance(store, LocalSourceStore)
    assert len(list((store.root / "sources").rglob("*.json"))) == 1
    assert len([p for p in (store.root / "blobs").rglob("*") if p.is_file()]) == 2
    for analysis_id in (first.json()["id"], second.json()["id"]):
        assert (await analyzer.wait_finished(analysis_id))["status"] == "succeeded"


async def leave_interrupted_analysis(start_analyzer: StartAnalyzer, attempts: int) -> str:
    """An analysis its table says is running, as a crash leaves it (and no event that would start it)."""
    async with start_analyzer() as earlier:
        database: Database = earlier.component.database
        store: LocalSourceStore = earlier.component.context.store
    manifest = await store.put_tree({"agent.py": AGENT})
    analysis_id = uuid4().hex
    interrupted = Analysis(id=analysis_id, status="running", phase="detection", progress=25,
                           source_digest=manifest.digest, file_count=1, origin="upload", skipped=[],
                           attempts=attempts, started_at=utcnow())
    writer = Database(database.url)
    async with writer.session() as session:
        session.add(interrupted)
    await writer.dispose()
    return analysis_id


async def test_an_analysis_left_running_is_resumed_on_start_up(start_analyzer: StartAnalyzer) -> None:
    analysis_id = await leave_interrupted_analysis(start_analyzer, attempts=1)

    async with start_analyzer() as restarted:
        done = await restarted.wait_finished(analysis_id)
        events = await restarted.events_of(analysis_id)

    assert done["status"] == "succeeded", done
    assert [e.data["phase"] for e in events if e.type == "analysis.progressed.v1"] == PHASES


async def test_an_analysis_interrupted_too_often_is_failed_instead_of_resumed(start_analyzer: StartAnalyzer) -> None:
    analysis_id = await leave_interrupted_analysis(start_analyzer, attempts=3)

    async with start_analyzer(analyzer_max_attempts=3) as restarted:
        done = await restarted.wait_finished(analysis_id)
        events = await restarted.events_of(analysis_id)

    assert done["status"] == "failed"
    assert done["error"] == (
        "the analysis was interrupted (the analyzer stopped while running it) on attempt 3; giving up after 3 attempts"
    )
    assert [e.type for e in events] == ["analysis.completed.v1"]


async def test_a_crashing_analysis_fails_with_a_reason_that_quotes_nothing_from_the_upload(
    analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_process, "ENGINE_COMMAND", EXPLODING_ENGINE)

    accepted = (await analyzer.client.post("/api/v1/analyses", json={"sample": "hello-world"})).json()
    done = await analyzer.wait_finished(accepted["id"])
    events = await analyzer.events_of(accepted["id"])

    assert done["status"] == "failed"
    assert done["report"] is None
    assert "RuntimeError" in done["error"] and "sk-live" not in done["error"]
    assert events[-1].data["status"] == "failed"
    assert events[-1].data["error"] == done["error"]


async def test_an_unknown_analysis_is_a_404_problem(analyzer: Analyzer) -> None:
    for path in ("/api/v1/analyses/nope", "/api/v1/analyses/nope/source"):
        response = await analyzer.client.get(path)

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "analysis_not_found"
