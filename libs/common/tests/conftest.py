"""Shared helpers of the libs/common tests."""

from collections.abc import Awaitable, Callable

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from runagents_common.testing import eventually

Eventually = Callable[..., Awaitable[None]]


@pytest.fixture
def wait_until() -> Eventually:
    """``await wait_until(condition)``: a bounded wait on a sync or async predicate."""
    return eventually


@pytest.fixture(scope="session")
def sdk_tracer_provider() -> None:
    """Real (recording) spans: install the SDK tracer provider unless the process already has one."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
