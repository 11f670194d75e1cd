"""The analysis job: materialise the stored source, match against the registered resources,
run the engine off the event loop, and record each phase, then the report or the failure."""

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses import repository
from runagents_analyzer.analyses.models import UNFINISHED, Analysis, AnalysisStatus
from runagents_analyzer.analyses.phases import PhaseRelay
from runagents_analyzer.analyses.resources import ResourceLookup, fetch_registered_resources
from runagents_analyzer.engine import RegisteredResources, analyze_tree
from runagents_analyzer.settings import AnalyzerSettings
from runagents_analyzer.sources import SourceCorrupt, SourceNotFound, SourceStore
from runagents_common.db import Database
from runagents_common.db.base import utcnow
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import AnalysisCompleted, AnalysisProgressed

log = logging.getLogger("runagents.analyzer.job")


@dataclass(frozen=True)
class _Claimed:
    source_digest: str
    upload_skipped: list[dict[str, Any]]


class AnalysisJob:
    """``await job(analysis_id)`` runs one analysis to its end; safe to run again after a crash."""

    def __init__(self, database: Database, outbox: Outbox, store: SourceStore, settings: AnalyzerSettings) -> None:
        self.database = database
        self.outbox = outbox
        self.store = store
        self.settings = settings

    async def __call__(self, analysis_id: str) -> None:
        claimed = await self._start(analysis_id)
        if claimed is None:
            return
        try:
            async with asyncio.timeout(self.settings.analyzer_timeout_seconds):
                report = await self._analyze(analysis_id, claimed)
        except Exception as exc:
            log.exception("analysis %s failed", analysis_id, extra={"analysis_id": analysis_id})
            await self._finish(analysis_id, error=self._failure_message(exc))
            return
        await self._finish(analysis_id, report=report)

    async def _start(self, analysis_id: str) -> _Claimed | None:
        async with self.database.session() as session:
            analysis = await repository.get(session, analysis_id)
            if analysis is None or analysis.status not in UNFINISHED:
                return None
            if analysis.attempts >= self.settings.analyzer_max_attempts:
                # An upload that kills the process must not crash-loop the service on every start.
                error = f"the analysis was interrupted {analysis.attempts} times and is not retried again"
                self._mark_finished(session, analysis, error=error)
                return None
            analysis.attempts += 1
            # A resumed analysis starts over: its earlier phases may not have been recorded.
            analysis.status = AnalysisStatus.RUNNING
            analysis.phase = None
            analysis.progress = 0
            analysis.started_at = utcnow()
            return _Claimed(analysis.source_digest, list(analysis.skipped or []))

    async def _analyze(self, analysis_id: str, claimed: _Claimed) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="runagents-analysis-") as scratch:
            root = Path(scratch)
            await self.store.materialise(claimed.source_digest, root)
            lookup = await fetch_registered_resources(
                self.settings.service_url("policy"),
                self.settings.service_url("gateway"),
                self.settings.analyzer_lookup_timeout_seconds,
            )
            relay = PhaseRelay(lambda phase, progress: self._record_phase(analysis_id, phase, progress))
            recorder = asyncio.create_task(relay.run(), name=f"analysis-phases-{analysis_id}")
            try:
                report = await asyncio.to_thread(analyze_tree, root, _registered(lookup), relay.on_phase)
            finally:
                relay.close()
                await recorder
        body: dict[str, Any] = report.model_dump(mode="json")
        body["skipped"] = claimed.upload_skipped + body.get("skipped", [])
        body["errors"] = body.get("errors", []) + [{"file": "", "line": 0, "message": n} for n in lookup.notes]
        return body

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
        if isinstance(exc, TimeoutError):
            return f"the analysis did not finish within {self.settings.analyzer_timeout_seconds:g} seconds"
        if isinstance(exc, SourceNotFound | SourceCorrupt):
            return f"the stored source could not be read: {exc}"
        return f"the analyzer failed on this source ({type(exc).__name__}); the failure is in the service's log"


def _registered(lookup: ResourceLookup) -> RegisteredResources | None:
    if lookup.tools is None and lookup.model_providers is None:
        return None
    return RegisteredResources(
        tools=[(tool.name, tool.base_url) for tool in lookup.tools or []],
        model_providers=[(p.name, p.kind, list(p.models)) for p in lookup.model_providers or []],
    )
