from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The id of the event that recorded the change.")
    at: datetime = Field(description="When the change was made.")
    service: str = Field(description="The service whose API made the change.")
    principal_id: str = Field(description="Who made it: `key:<prefix>`, `user:<subject>`, `bootstrap:...`, ...")
    principal_name: str
    role: str = Field(description="The principal's role when it made the change.")
    action: str = Field(description="What was done: `tool.registered`, `agent.deploy.requested`, `api_key.revoked`, "
                        "...")
    resource_type: str = Field(description="`tool`, `agent`, `model_provider`, `identity_provider`, `analysis`, "
                               "`api_key`.")
    resource: str = Field(description="The resource's name (an analysis' id, an API key's prefix).")
    summary: str = Field(description="What changed, in plain words (never a secret).")
    trace_id: str | None = Field(description="The trace of the request that made the change, when it was traced.")


class AuditList(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
