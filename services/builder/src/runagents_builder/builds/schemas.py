from datetime import datetime

from pydantic import BaseModel, ConfigDict


class BuildOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agent: str
    analysis_id: str
    status: str
    phase: str | None
    progress: int
    artifact_kind: str | None
    artifact_ref: str | None
    cached: bool
    error: str | None
    created_at: datetime
    updated_at: datetime


class BuildList(BaseModel):
    items: list[BuildOut]
