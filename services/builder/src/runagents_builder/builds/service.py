"""Runs one build: fetch the analyzed source, build the artifact, report progress and the result."""

import io
import logging
import tarfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from runagents_contracts.install_plan import InstallPlan

from runagents_builder.artifacts.base import ArtifactBuilder, BuildError, BuildInput
from runagents_builder.builds import repository
from runagents_common.db import Database
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import AgentBuildCompleted, AgentBuildFailed, AgentBuildProgressed
from runagents_common.scratch import ScratchSpace

log = logging.getLogger("runagents.builder")


@dataclass
class BuildRunner:
    database: Database
    outbox: Outbox
    artifacts: ArtifactBuilder
    analyzer: httpx.AsyncClient
    scratch: ScratchSpace
    """Where a build unpacks its source; what a killed builder left is swept at the next start."""

    async def run(self, build_id: str) -> None:
        async with self.database.session() as session:
            build = await repository.get(session, build_id)
            if build is None or build.status not in ("queued", "running"):
                return
            build.status = "running"
            agent, analysis_id, packages = build.agent, build.analysis_id, list(build.packages)
            install_plan = InstallPlan.model_validate(build.install_plan) if build.install_plan else None

        async def progress(phase: str, percent: int) -> None:
            async with self.database.session() as session:
                row = await repository.get(session, build_id)
                if row is not None:
                    row.phase, row.progress = phase, percent
                self.outbox.add(session, AgentBuildProgressed(agent=agent, deployment_id=build_id, phase=phase,
                                                              progress=percent), subject=agent)

        try:
            with self.scratch.folder("build-") as scratch:
                await progress("fetching-source", 10)
                digest = await self._fetch_source(analysis_id, scratch)
                artifact = await self.artifacts.build(
                    BuildInput(build_id, agent, scratch, digest, packages, install_plan), progress
                )
        except BuildError as exc:
            await self._fail(build_id, agent, str(exc))
            return
        except Exception as exc:
            log.exception("build %s failed", build_id)
            await self._fail(build_id, agent, f"build failed: {type(exc).__name__}: {exc}")
            return
        async with self.database.session() as session:
            row = await repository.get(session, build_id)
            if row is not None:
                row.status, row.phase, row.progress = "succeeded", "done", 100
                row.artifact_kind, row.artifact_ref = artifact.kind, artifact.ref
                row.source_dir, row.cached = artifact.source_dir, artifact.cached
            self.outbox.add(session, AgentBuildCompleted(
                agent=agent, deployment_id=build_id, artifact_kind=artifact.kind, artifact_ref=artifact.ref,
                source_dir=artifact.source_dir, cached=artifact.cached,
            ), subject=agent)

    async def _fetch_source(self, analysis_id: str, target: Path) -> str:
        try:
            response = await self.analyzer.get(f"/api/v1/analyses/{analysis_id}/source")
        except httpx.HTTPError as exc:
            raise BuildError(f"the analyzer did not answer for the source of analysis {analysis_id}: {exc!r}") from exc
        if response.status_code != 200:
            raise BuildError(f"the analyzer has no source for analysis {analysis_id} ({response.status_code})")
        with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
            # The analyzer wrote this archive from checked paths; the data filter still refuses
            # anything that would land outside the target.
            archive.extractall(target, filter="data")
        return str(response.headers.get("x-source-digest", f"analysis-{analysis_id}"))

    async def _fail(self, build_id: str, agent: str, reason: str) -> None:
        async with self.database.session() as session:
            row = await repository.get(session, build_id)
            if row is not None:
                row.status, row.error = "failed", reason
            self.outbox.add(session, AgentBuildFailed(agent=agent, deployment_id=build_id, reason=reason),
                            subject=agent)
