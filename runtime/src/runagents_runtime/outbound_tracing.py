"""Every outbound HTTP call the agent's own code makes carries the run's trace context.

Tier 2 code reaches the gateway and its tools with whatever client it likes: the OpenAI and
Anthropic SDKs use httpx2 or httpx, LangChain tools often requests or urllib, some code aiohttp.
The OpenTelemetry instrumentation of those clients asks the global propagator for headers on
every request; the propagator installed here answers with the current run's `traceparent`,
`tracestate`, `baggage`, run id and agent name, so the gateway and the egress layer attach what
they see to the right run. The agent's own token is never among them: only the runtime's client
sends it, and only to the platform.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate
from opentelemetry.context import Context
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import (
    CarrierT,
    Getter,
    Setter,
    TextMapPropagator,
    default_getter,
    default_setter,
)

from runagents_runtime.propagation import (
    AGENT_HEADER,
    REQUEST_ID_HEADER,
    RUN_ID_HEADER,
    RUN_SEQ_HEADER,
    RunPropagation,
    current_propagation,
    outbound_headers,
)

logger = logging.getLogger(__name__)


class InFlightRuns:
    """The runs being served right now.

    Code that starts its own threads without copying the context (some frameworks run tools
    that way) loses the run's identity. When exactly one run is in flight, such calls can only
    belong to it; with several, they are left unattributed rather than guessed.
    """

    def __init__(self) -> None:
        self._runs: dict[int, RunPropagation] = {}

    @contextmanager
    def tracking(self, run: RunPropagation) -> Iterator[None]:
        """Count `run` as in flight inside the block."""
        key = id(run)
        self._runs[key] = run
        try:
            yield
        finally:
            self._runs.pop(key, None)

    def sole(self) -> RunPropagation | None:
        """Return the only run in flight, or None when there are none or several."""
        runs = list(self._runs.values())
        return runs[0] if len(runs) == 1 else None


in_flight_runs = InFlightRuns()


class RunContextPropagator(TextMapPropagator):
    """Writes the current run's identity into outbound headers; reads nothing (the runtime does)."""

    _FIELDS = frozenset({"traceparent", "tracestate", "baggage", RUN_ID_HEADER, RUN_SEQ_HEADER, AGENT_HEADER,
                         REQUEST_ID_HEADER})

    def inject(
        self, carrier: CarrierT, context: Context | None = None, setter: Setter[CarrierT] = default_setter
    ) -> None:
        run = current_propagation() or in_flight_runs.sole()
        if run is None:
            return
        for name, value in outbound_headers(run, with_credentials=False).items():
            setter.set(carrier, name, value)

    def extract(
        self, carrier: CarrierT, context: Context | None = None, getter: Getter[CarrierT] = default_getter
    ) -> Context:
        return context if context is not None else Context()

    @property
    def fields(self) -> set[str]:
        return set(self._FIELDS)


_INSTRUMENTORS = (
    ("opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor"),
    ("opentelemetry.instrumentation.httpx", "HTTPX2ClientInstrumentor"),
    ("opentelemetry.instrumentation.requests", "RequestsInstrumentor"),
    ("opentelemetry.instrumentation.urllib", "URLLibInstrumentor"),
    ("opentelemetry.instrumentation.aiohttp_client", "AioHttpClientInstrumentor"),
)


def _instrumentors() -> list[BaseInstrumentor]:
    """The instrumentors of the HTTP clients installed (each imports its library)."""
    found = []
    for module_name, class_name in _INSTRUMENTORS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # the agent does not use this client
        found.append(getattr(module, class_name)())
    return found


_replaced_propagator: TextMapPropagator | None = None


def install_outbound_tracing() -> list[str]:
    """Propagate the run's context on httpx, httpx2, requests, urllib and aiohttp calls (those installed).

    The run's headers are written after those of the propagator already in place (W3C trace
    context by default), which keeps extracting inbound context as before. Idempotent. Returns the
    names of the instrumented clients.
    """
    global _replaced_propagator
    if _replaced_propagator is None:
        _replaced_propagator = propagate.get_global_textmap()
        propagate.set_global_textmap(CompositePropagator([_replaced_propagator, RunContextPropagator()]))
    instrumented = []
    for instrumentor in _instrumentors():
        # An instrumentor whose library is not installed declines with a debug log; that is fine.
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumented.append(type(instrumentor).__name__.removesuffix("Instrumentor"))
    logger.debug("outbound trace propagation on: %s", ", ".join(instrumented) or "no HTTP client installed")
    return instrumented


def uninstall_outbound_tracing() -> None:
    """Undo `install_outbound_tracing` (tests)."""
    global _replaced_propagator
    for instrumentor in _instrumentors():
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    if _replaced_propagator is not None:
        propagate.set_global_textmap(_replaced_propagator)
        _replaced_propagator = None
