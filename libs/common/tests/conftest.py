"""Shared helpers of the libs/common tests."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

Condition = Callable[[], Awaitable[bool]] | Callable[[], bool]
Eventually = Callable[..., Awaitable[None]]


async def eventually(condition: Condition, within: float = 10.0, interval: float = 0.01,
                     message: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail the test if it does not within ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{message} did not hold within {within}s")
        await asyncio.sleep(interval)


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
