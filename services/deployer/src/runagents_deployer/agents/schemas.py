from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AGENT_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
AgentStatus = Literal["Pending", "Running", "Failed"]


class ModelTarget(BaseModel):
    # A misspelt field of a deploy request is an error, not a setting silently left at its default.
    model_config = ConfigDict(extra="forbid")

    provider: str = Field(min_length=1, description="Registered model provider name")
    model: str = Field(min_length=1)


class ModelChoice(ModelTarget):
    fallback: ModelTarget | None = Field(
        default=None, description="Where the gateway sends the call when the wired provider fails retryably "
        "(429, 5xx, no answer) before answering anything"
    )


class LlmLimits(BaseModel):
    """What the LLM gateway lets this agent use; absent means unlimited."""

    model_config = ConfigDict(extra="forbid")

    requests_per_minute: int | None = Field(default=None, ge=1, description="Model calls a minute (429 beyond)")
    tokens_per_day: int | None = Field(
        default=None, ge=1, description="Prompt plus completion tokens a day, UTC (429 once spent)"
    )


class Access(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["open", "authenticated"] = "open"
    identity_provider: str | None = None


class AgentCreate(BaseModel):
    """The Deploy step: an analyzed upload (or an image) and how each finding is wired."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=AGENT_NAME_PATTERN, description="Unique, DNS-safe (RFC 1123 label)")
    analysis_id: str | None = None
    image: str | None = None
    tools: dict[str, str] = Field(default_factory=dict, description="Detected tool name -> registered tool name")
    models: dict[str, ModelChoice] = Field(default_factory=dict, description="Model role -> provider and model")
    system_prompt: str = Field(default="", max_length=100_000)
    access: Access = Field(default_factory=Access)
    llm_limits: LlmLimits = Field(default_factory=LlmLimits)
    tier: Literal["custom", "platform"] | None = Field(
        default=None, description="Override the tier the analysis decided"
    )

    @model_validator(mode="after")
    def _one_source(self) -> "AgentCreate":
        if bool(self.analysis_id) == bool(self.image):
            raise ValueError("give exactly one of analysis_id and image")
        return self


class AgentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    status: AgentStatus
    message: str
    phase: str
    progress: int
    analysis_id: str | None
    image: str | None
    tools: dict[str, str]
    models: dict[str, dict[str, Any]]
    system_prompt: str
    access: dict[str, Any]
    llm_limits: dict[str, int]
    tier: str
    entry_point: str | None
    deployment_id: str = Field(description="The current deployment: the one serving when Running")
    next_deployment_id: str | None = Field(
        default=None, description="A redeploy under way: it replaces deployment_id once Running; the current "
        "deployment keeps serving until then, and stays if it fails"
    )
    created_at: datetime
    updated_at: datetime
    created_by: str | None = Field(default=None, description="Who first deployed it (a principal's label); null: "
                                   "before changes were recorded.")
    updated_by: str | None = Field(default=None, description="Who deployed (or redeployed) it last.")


class AgentList(BaseModel):
    items: list[AgentOut]


class DeploymentOut(BaseModel):
    """One deployment of an agent (its history)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: str = Field(description="building, built, starting, running, failed, stopped (replaced by a newer "
                                    "deployment that runs) or superseded (replaced before it ran)")
    error: str | None
    analysis_id: str | None
    image: str | None
    entry_point: str | None
    entry_adapter: str | None
    entry_target: str | None
    created_at: datetime
    updated_at: datetime


class DeploymentList(BaseModel):
    items: list[DeploymentOut] = Field(description="Newest first")


class AgentLogs(BaseModel):
    agent: str
    deployment_id: str
    lines: list[str] = Field(description="The last lines the deployment's process wrote (stdout and stderr), "
                                         "oldest first, secrets masked")


class InvokeRequest(BaseModel):
    message: str = Field(min_length=1, max_length=1_000_000)
    history: list[dict[str, Any]] = Field(default_factory=list)
