from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from runagents_analyzer.analyses.models import Analysis, AnalysisStatus

SAMPLE_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class SampleRequest(BaseModel):
    """Analyze one of the samples that ship with the platform instead of an upload."""

    model_config = ConfigDict(extra="forbid")

    sample: str = Field(pattern=SAMPLE_NAME_PATTERN, examples=["hello-world"])


class AnalysisOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | succeeded | failed")
    phase: str | None = Field(description="parsing | detection | scanning | enrichment; null before the first")
    progress: int = Field(ge=0, le=100)
    source_digest: str = Field(description="SHA-256 of the stored source's manifest; GET .../source serves it")
    files: int = Field(description="Number of files in the stored source")
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, description="Who uploaded it (a principal's label); null: "
                                   "before changes were recorded.")
    report: dict[str, Any] | None = Field(
        default=None, description="The analysis report, once the analysis succeeded"
    )
    error: str | None = Field(default=None, description="Why the analysis failed, once it failed")

    @classmethod
    def of(cls, analysis: Analysis) -> "AnalysisOut":
        return cls(
            id=analysis.id,
            status=analysis.status,
            phase=analysis.phase,
            progress=analysis.progress,
            source_digest=analysis.source_digest,
            files=analysis.file_count,
            created_at=analysis.created_at,
            updated_at=analysis.updated_at,
            created_by=analysis.created_by,
            report=analysis.report if analysis.status == AnalysisStatus.SUCCEEDED else None,
            error=analysis.error if analysis.status == AnalysisStatus.FAILED else None,
        )
