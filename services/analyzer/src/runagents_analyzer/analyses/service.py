import asyncio
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses import repository
from runagents_analyzer.analyses.errors import AnalysisNotFound, SourceUnavailable, UploadRefused, UploadTooLarge
from runagents_analyzer.analyses.models import Analysis, AnalysisStatus
from runagents_analyzer.context import AnalyzerContext
from runagents_analyzer.engine import UploadRejected, unpack_upload
from runagents_analyzer.engine.dependencies import plan_install
from runagents_analyzer.sources import SourceCorrupt, SourceNotFound, tar_gz
from runagents_common.events.catalog import AnalysisRequested

# The engine names its limits; these are about size, so they answer 413 like the request limit.
SIZE_LIMITS = frozenset({"file_size", "total_size", "unpacked_size", "header_size"})


async def create(session: AsyncSession, context: AnalyzerContext, files: list[tuple[str, bytes]],
                 origin: str, by: str | None = None) -> Analysis:
    """Store the upload's files and queue their analysis (the event commits with the row)."""
    try:
        tree, skipped = await asyncio.to_thread(unpack_upload, files)
    except UploadRejected as rejected:
        error = UploadTooLarge if rejected.limit in SIZE_LIMITS else UploadRefused
        if rejected.maximum is None:
            raise error(rejected.detail, limit=rejected.limit) from rejected
        raise error(rejected.detail, limit=rejected.limit, max=rejected.maximum) from rejected
    if not tree:
        raise UploadRefused("the upload holds no file that can be analyzed", limit="empty_upload")
    refused = (await asyncio.to_thread(plan_install, tree, (), False)).refused
    if refused:
        # Refused here, not at build: the user learns it at upload, with the requirement named.
        raise UploadRefused("the upload declares requirements the platform does not install (it installs only "
                            "from PyPI and from the upload itself): " + "; ".join(r.describe() for r in refused),
                            limit="requirement_outside_upload",
                            requirements=[{"file": r.file, "line": r.line, "requirement": r.requirement,
                                           "reason": r.reason} for r in refused])
    try:
        # Stored before the row commits: if the commit fails the blobs stay unreferenced, which is harmless.
        manifest = await context.store.put_tree(tree)
    except ValueError as clash:  # e.g. "lib" sent both as a file and as a folder
        raise UploadRefused(str(clash), limit="path_conflict") from clash
    analysis = Analysis(
        id=uuid4().hex,
        status=AnalysisStatus.QUEUED,
        phase=None,
        progress=0,
        source_digest=manifest.digest,
        file_count=len(tree),
        origin=origin,
        skipped=[item.model_dump(mode="json") for item in skipped],
        created_by=by,
    )
    repository.add(session, analysis)
    context.outbox.add(session, AnalysisRequested(analysis_id=analysis.id), subject=analysis.id)
    await session.flush()
    return analysis


async def get(session: AsyncSession, analysis_id: str) -> Analysis:
    analysis = await repository.get(session, analysis_id)
    if analysis is None:
        raise AnalysisNotFound(f"no analysis with id {analysis_id!r}")
    return analysis


async def source_archive(context: AnalyzerContext, analysis: Analysis) -> bytes:
    """The exact tree the analysis read, as a gzip-compressed tar."""
    try:
        files = await context.store.get_tree(analysis.source_digest)
    except (SourceNotFound, SourceCorrupt) as exc:
        raise SourceUnavailable(f"the source of analysis {analysis.id} cannot be served: {exc}") from exc
    return await asyncio.to_thread(tar_gz, files)

