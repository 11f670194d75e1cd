"""The event envelope: CloudEvents 1.0 attribute names plus W3C trace context."""

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from runagents_common.telemetry import current_trace_headers


class Envelope(BaseModel):
    """One event as it travels on the bus (structured CloudEvents JSON)."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: uuid4().hex, min_length=1)
    type: str = Field(min_length=1, description="Catalog name with a version, e.g. agent.deploy.requested.v1")
    source: str = Field(min_length=1, description="The service that emitted it, e.g. /runagents/deployer")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = Field(default=None, description="The resource the event is about")
    datacontenttype: Literal["application/json"] = "application/json"
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def trace_headers(self) -> dict[str, str]:
        """The trace context of the event as HTTP-style headers."""
        headers = {}
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.tracestate:
            headers["tracestate"] = self.tracestate
        return headers


def new_envelope(event_type: str, source: str, data: BaseModel, subject: str | None = None) -> Envelope:
    """Wrap ``data`` in an envelope carrying the current trace context."""
    trace = current_trace_headers()
    return Envelope(
        type=event_type,
        source=source,
        subject=subject,
        traceparent=trace.get("traceparent"),
        tracestate=trace.get("tracestate"),
        data=data.model_dump(mode="json"),
    )
