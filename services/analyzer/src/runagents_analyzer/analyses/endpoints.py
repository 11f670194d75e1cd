from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from runagents_analyzer.analyses import service
from runagents_analyzer.analyses.samples import load_sample
from runagents_analyzer.analyses.schemas import AnalysisOut, SampleRequest
from runagents_analyzer.analyses.uploads import read_request
from runagents_analyzer.context import AnalyzerContext
from runagents_common.audit import record_change
from runagents_common.auth import READERS, Operator
from runagents_common.service import context_dependency, unit_of_work

SessionDep = Annotated[AsyncSession, unit_of_work("analyzer")]
ContextDep = Annotated[AnalyzerContext, Depends(context_dependency("analyzer"))]
router = APIRouter(prefix="/api/v1/analyses", tags=["analyses"])

# The body is read by hand (to enforce the size limit while it streams), so describe it here.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": ["files"],
                },
            },
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "application/gzip": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": SampleRequest.model_json_schema()},
        },
    }
}


@router.post("", response_model=AnalysisOut,
             status_code=status.HTTP_202_ACCEPTED, openapi_extra=UPLOAD_BODY,
             summary="Upload files, one archive, or name a sample; the analysis runs in the background")
async def create_analysis(request: Request, session: SessionDep, context: ContextDep,
                          principal: Operator) -> AnalysisOut:
    upload = await read_request(request, context.settings.analyzer_max_upload_bytes)
    if isinstance(upload, SampleRequest):
        analysis = await service.create(session, context, load_sample(upload.sample, context.settings.platform_url),
                                       f"sample:{upload.sample}", by=principal.label)
    else:
        analysis = await service.create(session, context, upload.files, "upload", by=principal.label)
    record_change(session, context.outbox, principal, action="analysis.requested", resource_type="analysis",
                  resource=analysis.id, summary=f"{analysis.origin}: {analysis.file_count} file(s), source "
                  f"{analysis.source_digest[:12]}")
    return AnalysisOut.of(analysis)


@router.get("/{analysis_id}", dependencies=READERS, response_model=AnalysisOut)
async def get_analysis(analysis_id: str, session: SessionDep) -> AnalysisOut:
    return AnalysisOut.of(await service.get(session, analysis_id))


@router.get("/{analysis_id}/source", dependencies=READERS, response_class=Response,
            responses={200: {"content": {"application/gzip": {}}, "description": "The analyzed tree as tar.gz"}})
async def get_analysis_source(analysis_id: str, session: SessionDep, context: ContextDep) -> Response:
    analysis = await service.get(session, analysis_id)
    archive = await service.source_archive(context, analysis)
    return Response(
        archive,
        media_type="application/gzip",
        headers={
            "X-Source-Digest": analysis.source_digest,
            "Content-Disposition": f'attachment; filename="{analysis.id}.tar.gz"',
        },
    )
