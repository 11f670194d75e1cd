"""The analysis job: materialise the stored source, match against the registered resources, run
the engine in a process of its own, and record each phase, then the report or the failure.

An attempt that runs past its deadline has its process killed; like one whose process died, it is
tried again until ``analyzer_max_attempts`` starts, then failed for good with the reason. An upload
that stalls or kills the engine therefore costs a bounded number of deadlines, also across restarts
of the service (each start of an attempt is counted in the table before the attempt runs)."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses import repository
from runagents_analyzer.analyses.engine_process import EngineFailed, EngineProcessDied, run_engine
from runagents_analyzer.analyses.models import UNFINISHED, Analysis, AnalysisStatus
from runagents_analyzer.analyses.resources import ResourceLookup, fetch_registered_resources
from runagents_analyzer.engine import RegisteredResources
from runagents_analyzer.settings import AnalyzerSettings
from runagents_analyzer.sources import SourceCorrupt, SourceNotFound, SourceStore
from runagents_common.db import Database
from runagents_common.db.base import utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import AnalysisCompleted, AnalysisProgressed
from runagents_common.scratch import ScratchSpace

log = logging.getLogger("runagents.analyzer.job")

INTERRUPTED = "the analysis was interrupted (the analyzer stopped while running it)"
"""Why an attempt failed when it never said: what the table holds while an attempt runs."""


@dataclass(frozen=True)
class _Claimed:
    source_digest: str
    upload_skipped: list[dict[str, Any]]
    attempt: int


class _Retry(Exception):
    """This attempt failed in a way another attempt may not: the reason, for the table."""


class AnalysisJob:
    """``await job(analysis_id)`` runs one analysis to its end; safe to run again after a crash."""

    def __init__(self, database: Database, outbox: Outbox, store: SourceStore, settings: AnalyzerSettings,
                 scratch: ScratchSpace) -> None:
        self.database = database
        self.outbox = outbox
        self.store = store
        self.settings = settings
        self.scratch = scratch

    async def __call__(self, analysis_id: str) -> None:
        while (claimed := await self._start(analysis_id)) is not None:
            try:
                report = await self._attempt(analysis_id, claimed)
            except _Retry as retry:
                log.warning("analysis %s, attempt %d: %s", analysis_id, claimed.attempt, retry,
                            extra={"analysis_id": analysis_id})
                await self._record_retry(analysis_id, str(retry))
                continue
            except Exception as exc:
                log.exception("analysis %s failed", analysis_id, extra={"analysis_id": analysis_id})
                await self._finish(analysis_id, error=self._failure_message(exc))
                return
            await self._finish(analysis_id, report=report)
            return

    async def _start(self, analysis_id: str) -> _Claimed | None:
        async with self.database.session() as session:
            analysis = await repository.get(session, analysis_id)
            if analysis is None or analysis.status not in UNFINISHED:
                return None
            if analysis.attempts >= self.settings.analyzer_max_attempts:
                # An upload that stalls or kills the engine must not cost a deadline on every start.
                reason = analysis.error or INTERRUPTED
                error = f"{reason} on attempt {analysis.attempts}; giving up after {analysis.attempts} attempts"
                self._mark_finished(session, analysis, error=error)
                return None
            analysis.attempts += 1
            # A resumed analysis starts over: its earlier phases may not have been recorded.
            analysis.status = AnalysisStatus.RUNNING
            analysis.phase = None
            analysis.progress = 0
            analysis.started_at = utcnow()
            analysis.error = INTERRUPTED  # stands if this attempt ends with the service
            return _Claimed(analysis.source_digest, list(analysis.skipped or []), analysis.attempts)

    async def _attempt(self, analysis_id: str, claimed: _Claimed) -> dict[str, Any]:
        deadline = self.settings.analyzer_timeout_seconds
        try:
            async with asyncio.timeout(deadline) as timeout:
                return await self._analyze(analysis_id, claimed)
        except TimeoutError:
            if not timeout.expired():
                raise
            raise _Retry(f"the analysis exceeded its {deadline:g} s deadline") from None
        except EngineProcessDied as died:
            raise _Retry(f"the analyzer's process {died.how}") from None

    async def _analyze(self, analysis_id: str, claimed: _Claimed) -> dict[str, Any]:
        with self.scratch.folder("analysis-") as scratch:
            root = scratch / "source"
            root.mkdir()
            await self.store.materialise(claimed.source_digest, root)
            lookup = await fetch_registered_resources(
                self.settings.service_url("policy"),
                self.settings.service_url("gateway"),
                self.settings.analyzer_lookup_timeout_seconds,
                self.settings.service_key("analyzer"),
            )
            body = await run_engine(root, _registered(lookup), scratch / "report.json",
                                    lambda phase, progress: self._record_phase(analysis_id, phase, progress),
                                    memory_bytes=self.settings.analyzer_memory_limit_bytes)
        body["skipped"] = claimed.upload_skipped + body.get("skipped", [])
        body["errors"] = body.get("errors", []) + [{"file": "", "line": 0, "message": n} for n in lookup.notes]
        return body

    async def _record_retry(self, analysis_id: str, reason: str) -> None:
        async with self.database.session() as session:
            analysis = await repository.get(session, analysis_id)
            if analysis is not None:
                analysis.error = reason  # shown only if no later attempt succeeds

    async def _record_phase(self, analysis_id: str, phase: str, progress: int) -> None:
        async with self.database.session() as session:
            analysis = await repository.get(session, analysis_id)
            if analysis is None:
                return
            analysis.status = AnalysisStatus.RUNNING
            analysis.phase = phase
            analysis.progress = progress
            self.outbox.add(session, AnalysisProgressed(analysis_id=analysis_id, phase=phase, progress=progress),
                            subject=analysis_id)

    async def _finish(self, analysis_id: str, *, report: dict[str, Any] | None = None,
                      error: str | None = None) -> None:
        async with self.database.session() as session:
            analysis = await repository.get(session, analysis_id)
            if analysis is not None:
                self._mark_finished(session, analysis, report=report, error=error)

    def _mark_finished(self, session: AsyncSession, analysis: Analysis, *, report: dict[str, Any] | None = None,
                       error: str | None = None) -> None:
        analysis.completed_at = utcnow()
        if report is not None:
            analysis.status = AnalysisStatus.SUCCEEDED
            analysis.progress = 100
            analysis.report = report
            analysis.analyzer_version = str(report.get("analyzer_version", ""))
            analysis.error = None
            event = AnalysisCompleted(analysis_id=analysis.id, status="succeeded")
        else:
            analysis.status = AnalysisStatus.FAILED
            analysis.error = error
            event = AnalysisCompleted(analysis_id=analysis.id, status="failed", error=error)
        self.outbox.add(session, event, subject=analysis.id)

    def _failure_message(self, exc: Exception) -> str:
        # Only messages we wrote ourselves reach the client: an engine exception could quote the upload.
        if isinstance(exc, SourceNotFound | SourceCorrupt):
            return f"the stored source could not be read: {exc}"
        exception_type = exc.exception_type if isinstance(exc, EngineFailed) else type(exc).__name__
        return f"the analyzer failed on this source ({exception_type}); the failure is in the service's log"


def _registered(lookup: ResourceLookup) -> RegisteredResources | None:
    if lookup.tools is None and lookup.model_providers is None:
        return None
    return RegisteredResources(
        tools=[(tool.name, tool.base_url) for tool in lookup.tools or []],
        model_providers=[(p.name, p.kind, list(p.models)) for p in lookup.model_providers or []],
    )
