"""Usage events: each model call becomes an ``llm.call.completed.v1`` event in the outbox,
written in its own unit of work after the response went out (for a stream, after its last chunk)."""

import logging

from starlette.background import BackgroundTask
from starlette.responses import Response

from runagents_common.service import ServiceComponent
from runagents_gateway.llm.calls import LlmCall

log = logging.getLogger("runagents.gateway.usage")


def record_after_response(response: Response, gateway: ServiceComponent, call: LlmCall) -> None:
    """Have ``response`` record ``call`` once it has been sent."""
    response.background = BackgroundTask(record, gateway, call)


async def record(gateway: ServiceComponent, call: LlmCall) -> None:
    event = call.completed_event()
    if call.grant is not None:
        gateway.context.limits.spend(call.grant.agent, event.prompt_tokens + event.completion_tokens)
    try:
        async with gateway.database.session() as session:
            gateway.outbox.add(session, event, subject=call.run_id or call.agent)
    except Exception:
        # The response is already sent: there is no one left to report this to but the log.
        log.exception("could not record the usage of a call to %s/%s", call.provider, call.model,
                      extra={"agent": call.agent, "run_id": call.run_id})
