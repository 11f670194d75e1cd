"""Fixtures of the analyzer's API tests: the service hosted alone on an in-process bus. The policy and
gateway services it reads registered resources from are not started here (tests with them live in the
top-level tests/); they are pointed at a closed port, so an analysis finds no registered resource."""

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from runagents_analyzer.settings import AnalyzerSettings
from tests.analyzer_host import Analyzer, hosted_analyzer

__all__ = ["Analyzer", "StartAnalyzer"]

StartAnalyzer = Callable[..., AbstractAsyncContextManager[Analyzer]]


@pytest.fixture
def closed_port_url() -> str:
    """A local URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def no_registry(monkeypatch: pytest.MonkeyPatch, closed_port_url: str) -> None:
    """No policy or gateway service: whatever listens on the platform's default port is never asked."""
    monkeypatch.setenv("RUNAGENTS_POLICY_URL", closed_port_url)
    monkeypatch.setenv("RUNAGENTS_GATEWAY_URL", closed_port_url)


@pytest.fixture
def analyzer_settings(tmp_path: Path) -> Callable[..., AnalyzerSettings]:
    def make(**overrides: Any) -> AnalyzerSettings:
        values: dict[str, Any] = {"mode": "dev", "data_dir": tmp_path / "data", "outbox_poll_seconds": 0.05}
        return AnalyzerSettings(**(values | overrides))

    return make


@pytest.fixture
def start_analyzer(analyzer_settings: Callable[..., AnalyzerSettings]) -> StartAnalyzer:
    """``async with start_analyzer(**settings) as analyzer``: the service on a fresh in-process bus."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[Analyzer]:
        return hosted_analyzer(analyzer_settings(**overrides))

    return start


@pytest.fixture
async def analyzer(start_analyzer: StartAnalyzer) -> AsyncIterator[Analyzer]:
    async with start_analyzer() as running:
        yield running
