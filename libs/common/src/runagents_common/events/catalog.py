"""The catalog: every event type of the platform, one pydantic model each.

This module is the contract between services. A type name carries its version
(``agent.deploy.requested.v1``); a breaking change adds a new type, never edits one.
Each type has one owner, the service that emits it: consumers refuse it from any other source.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from runagents_contracts.install_plan import InstallPlan

from runagents_common.events.envelope import Envelope


class PoisonEvent(Exception):
    """An event that can never be processed (unknown type, invalid data, forged source): dead-letter it."""


class Service(StrEnum):
    """The services that emit events; each event type has exactly one of them as its owner."""

    ANALYZER = "analyzer"
    BUILDER = "builder"
    DEPLOYER = "deployer"
    GATEWAY = "gateway"
    POLICY = "policy"
    RUNS = "runs"

    @property
    def source(self) -> str:
        """The envelope ``source`` of the events this service emits."""
        return f"/runagents/{self.value}"


class EventData(BaseModel):
    """Base of every event's data; ``event_type`` names it in the catalog, ``owner`` is the one
    service allowed to emit it."""

    model_config = ConfigDict(extra="ignore")
    event_type: ClassVar[str]
    owner: ClassVar[Service]


CATALOG: dict[str, type[EventData]] = {}


def _register(event_type: str, owner: Service) -> Any:
    def decorate(cls: type[EventData]) -> type[EventData]:
        if event_type in CATALOG:
            raise ValueError(f"event type {event_type} declared twice")
        cls.event_type = event_type
        cls.owner = owner
        CATALOG[event_type] = cls
        return cls

    return decorate


def owned_types(service: Service) -> list[str]:
    """The event types ``service`` emits (and so may publish), in catalog order."""
    return [event_type for event_type, model in CATALOG.items() if model.owner is service]


def check_source(envelope: Envelope) -> None:
    """Raise :class:`PoisonEvent` unless the envelope comes from the owner of its type.

    A consumer believes an event only from the service that owns its type: anyone able to
    publish on the bus could otherwise forge, say, a deploy request. (The source is self-declared;
    in distributed mode the broker's topic permissions stop a service publishing others' types.)
    """
    model = CATALOG.get(envelope.type)
    if model is None:
        raise PoisonEvent(f"unknown event type {envelope.type!r}")
    if envelope.source != model.owner.source:
        raise PoisonEvent(
            f"{envelope.type} comes from {model.owner.source}, not {envelope.source[:100]!r}: refused as forged"
        )


def parse_data(envelope: Envelope) -> EventData:
    """Validate an envelope's data against the catalog; raise :class:`PoisonEvent` if it cannot be."""
    model = CATALOG.get(envelope.type)
    if model is None:
        raise PoisonEvent(f"unknown event type {envelope.type!r}")
    try:
        return model.model_validate(envelope.data)
    except ValidationError as exc:
        raise PoisonEvent(f"invalid data for {envelope.type}: {exc.error_count()} error(s)") from exc


# --- analyzer ---------------------------------------------------------------------------------------------


@_register("analysis.requested.v1", Service.ANALYZER)
class AnalysisRequested(EventData):
    """An upload was stored and waits to be analyzed."""

    analysis_id: str


@_register("analysis.progressed.v1", Service.ANALYZER)
class AnalysisProgressed(EventData):
    """An analysis entered a phase (parsing, detection, scanning, enrichment)."""

    analysis_id: str
    phase: str
    progress: int


@_register("analysis.completed.v1", Service.ANALYZER)
class AnalysisCompleted(EventData):
    """An analysis ended, with a report or an error."""

    analysis_id: str
    status: Literal["succeeded", "failed"]
    error: str | None = None


# --- deployer and builder -----------------------------------------------------------------------------------


@_register("agent.deploy.requested.v1", Service.DEPLOYER)
class AgentDeployRequested(EventData):
    """An agent was created or redeployed with validated wiring."""

    agent: str
    deployment_id: str
    analysis_id: str | None = None
    image: str | None = None
    tools: list[str] = []
    """Registered tools the agent is wired to (the egress layer allows these)."""
    models: dict[str, dict[str, str]] = {}
    """Model role -> {provider, model} as wired."""
    identity_provider: str | None = None
    """The identity provider whose tokens callers must present (access mode authenticated), else None."""
    agent_key_sha256: str | None = None
    """SHA-256 (hex) of the key this deployment's runtime presents to the LLM gateway; the key never travels."""
    model_aliases: dict[str, str] = {}
    """Model names the agent's code asks for (as analysis found them) -> the wired role that serves them."""
    model_fallbacks: dict[str, dict[str, str]] = {}
    """Model role -> {provider, model} the gateway falls back to when the wired one fails."""
    llm_limits: dict[str, int] = {}
    """Per-agent LLM limits: ``requests_per_minute``, ``tokens_per_day`` (absent: unlimited)."""


@_register("agent.build.requested.v1", Service.DEPLOYER)
class AgentBuildRequested(EventData):
    """The deployer asks the builder for an artifact of an analyzed upload."""

    agent: str
    deployment_id: str
    analysis_id: str
    packages: list[str]
    """The analysis' PyPI packages: what an old builder installs (kept for messages sent before install_plan)."""
    install_plan: InstallPlan | None = None
    """The analysis report's install plan: what the builder installs, once it has checked every line."""


@_register("agent.build.progressed.v1", Service.BUILDER)
class AgentBuildProgressed(EventData):
    """A build entered a phase."""

    agent: str
    deployment_id: str
    phase: str
    progress: int


@_register("agent.build.completed.v1", Service.BUILDER)
class AgentBuildCompleted(EventData):
    """A build produced an artifact the deployer's backend can start."""

    agent: str
    deployment_id: str
    artifact_kind: Literal["local-venv", "oci-image"]
    artifact_ref: str
    source_dir: str | None = None
    cached: bool = False


@_register("agent.build.failed.v1", Service.BUILDER)
class AgentBuildFailed(EventData):
    """A build could not produce an artifact."""

    agent: str
    deployment_id: str
    reason: str


@_register("agent.status.changed.v1", Service.DEPLOYER)
class AgentStatusChanged(EventData):
    """An agent moved to Pending, Running or Failed."""

    agent: str
    deployment_id: str
    status: Literal["Pending", "Running", "Failed"]
    message: str = ""


@_register("agent.deleted.v1", Service.DEPLOYER)
class AgentDeleted(EventData):
    """An agent was deleted and its process stopped."""

    agent: str


# --- policy: identity providers ------------------------------------------------------------------------------


@_register("identity_provider.registered.v1", Service.POLICY)
class IdentityProviderRegistered(EventData):
    """An identity provider was registered or replaced; this is its whole configuration.

    Carries no secret: a JWK set holds public keys only (the policy service refuses private and
    symmetric keys). ``changed_at`` orders the changes of one provider: a consumer ignores an event
    older than the state it holds (a redelivery may come after a later change).
    """

    name: str
    issuer: str
    audiences: list[str]
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None
    """An inline JWK set ``{"keys": [...]}``, when the provider has no ``jwks_url``."""
    algorithms: list[str]
    user_claim: str = "sub"
    changed_at: datetime


@_register("identity_provider.removed.v1", Service.POLICY)
class IdentityProviderRemoved(EventData):
    """An identity provider was deleted: tokens it issued no longer open any agent."""

    name: str
    changed_at: datetime


# --- run timelines: the deployer's front door, the gateway, the egress layer -----------------------------


@_register("run.started.v1", Service.DEPLOYER)
class RunStarted(EventData):
    """The platform's front door received an invoke for an agent."""

    run_id: str
    agent: str
    user: str
    trace_id: str
    started_at: datetime
    message: str
    streaming: bool = False


@_register("run.completed.v1", Service.DEPLOYER)
class RunCompleted(EventData):
    """An invoke ended, with the agent's response or the reason it failed."""

    run_id: str
    agent: str
    status: Literal["succeeded", "failed"]
    ended_at: datetime
    duration_ms: int
    response: str | None = None
    model: str | None = None
    usage: dict[str, int] = {}
    tool_calls_made: list[dict[str, Any]] = []
    error: str | None = None
    llm_calls: int | None = None
    """How many model calls the run's process numbered (the runtime's answer says); None: not said."""
    tool_calls: int | None = None
    """How many tool calls the run's process numbered; None: not said."""
    other_calls: int | None = None
    """Outbound calls the run's process numbered without knowing their kind (the agent's own HTTP
    clients): each is a model or a tool call on the timeline. None: not said."""


@_register("llm.call.completed.v1", Service.GATEWAY)
class LlmCallCompleted(EventData):
    """The gateway relayed one model call.

    ``usage_estimated`` says the tokens are the gateway's estimate, not the provider's count: a provider
    streamed its answer without reporting usage (one that ignores ``stream_options``).
    """

    run_id: str | None
    trace_id: str | None
    agent: str | None
    provider: str
    model: str
    status: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float
    finish_reason: str | None = None
    tool_calls: list[str] = []
    usage_estimated: bool = False
    at: datetime
    """When the call finished (its answer complete), not when the event was written or read."""
    seq: int | None = None
    """The call's number within its run, from the run's own process (``X-RunAgents-Run-Seq``); None when
    the caller did not number it."""


@_register("llm.calls.completed.v1", Service.GATEWAY)
class LlmCallsCompleted(EventData):
    """Model calls the gateway finished, in the order they finished: the gateway's usage events.

    One event carries the calls that finished close together (a call alone when the gateway is quiet,
    up to half a second's calls under load): publishing a message per call would cost the gateway
    more than relaying the call itself. Each call is as ``llm.call.completed.v1`` has it.
    """

    calls: list[LlmCallCompleted] = Field(min_length=1)


@_register("tool.call.completed.v1", Service.POLICY)
class ToolCallCompleted(EventData):
    """The egress layer decided on one tool call and, if allowed, relayed it."""

    run_id: str | None
    trace_id: str | None
    agent: str | None
    tool: str
    method: str
    path: str
    decision: Literal["allow", "deny", "approval_required"]
    status: int
    latency_ms: float
    at: datetime
    """When the tool's answer came back (or the call was refused), not when the event was written."""
    seq: int | None = None
    """The call's number within its run, from the run's own process (``X-RunAgents-Run-Seq``); None when
    the caller did not number it."""


# --- audit: who changed what, one type per service (a service publishes only its own types) ------------------


class ChangeRecorded(EventData):
    """A principal changed the platform's state through the API: one audit entry.

    Written in the unit of work of the change itself, so the change and its record commit together or not at
    all. Carries no secret: a summary names what changed in plain words (an API key only by its prefix).
    """

    principal_id: str = Field(max_length=300)
    principal_name: str = Field(max_length=300)
    role: str = Field(max_length=50)
    action: str = Field(max_length=100, description="What was done: `tool.registered`, `agent.deleted`, ...")
    resource_type: str = Field(max_length=100, description="`tool`, `agent`, `model_provider`, ...")
    resource: str = Field(max_length=300, description="The resource's name or id.")
    summary: str = Field(default="", max_length=2000)
    at: datetime
    trace_id: str | None = Field(default=None, max_length=32)


@_register("audit.analyzer.recorded.v1", Service.ANALYZER)
class AnalyzerChangeRecorded(ChangeRecorded):
    """A change made through the analyzer's API (an analysis requested)."""


@_register("audit.builder.recorded.v1", Service.BUILDER)
class BuilderChangeRecorded(ChangeRecorded):
    """A change made through the builder's API."""


@_register("audit.deployer.recorded.v1", Service.DEPLOYER)
class DeployerChangeRecorded(ChangeRecorded):
    """A change made through the deployer's API (agents deployed, redeployed, deleted)."""


@_register("audit.gateway.recorded.v1", Service.GATEWAY)
class GatewayChangeRecorded(ChangeRecorded):
    """A change made through the gateway's API (model providers)."""


@_register("audit.policy.recorded.v1", Service.POLICY)
class PolicyChangeRecorded(ChangeRecorded):
    """A change made through the policy service's API (tools, identity providers, API keys)."""


@_register("audit.runs.recorded.v1", Service.RUNS)
class RunsChangeRecorded(ChangeRecorded):
    """A change made through the runs service's API."""


CHANGE_RECORDED: dict[Service, type[ChangeRecorded]] = {
    model.owner: model for model in CATALOG.values() if issubclass(model, ChangeRecorded)
}
"""Each service's audit event type."""
