"""One framework agent taken through the public API: upload, analysis, deploy, invoke, run timeline.

Every step runs at most once per session and remembers its outcome (or its failure), so the
tests that each check one step share the work and a slow step is never waited for twice.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

from tests.e2e.flows import deploy, wait_for, wait_settled
from tests.frameworks.cases import FrameworkAgent

T = TypeVar("T")

ANALYSIS_TIMEOUT = 60
# A cold build installs a framework and its dependencies from PyPI (CrewAI pulls in hundreds of MB).
BUILD_TIMEOUT = 900
INVOKE_TIMEOUT = 180
# The timeline joins the outboxes of the deployer, gateway and policy; each relays within a second or so.
TIMELINE_TIMEOUT = 20


class Once(Generic[T]):
    """The outcome of a step computed on first use: its value, or the exception it raised."""

    def __init__(self, step: Callable[[], T]) -> None:
        self._step = step
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None

    def get(self) -> T:
        if not self._done:
            try:
                self._value = self._step()
            except Exception as exc:
                self._error = exc
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class FrameworkDeployment:
    def __init__(self, client: httpx.Client, agent: FrameworkAgent) -> None:
        self.client = client
        self.agent = agent
        self.name = f"fw-{agent.key.replace('_', '-')}-{uuid.uuid4().hex[:4]}"
        self.token = f"framework check {uuid.uuid4().hex[:8]}"
        self.message = f"Please echo this message: {self.token}"
        self.created: httpx.Response | None = None
        self._analysis_id: str | None = None
        self.analysis = Once(self._wait_for_analysis)
        self.settled = Once(self._wait_settled)
        self.invocation = Once(self._invoke)
        self.run = Once(self._wait_for_run)

    def upload(self) -> None:
        files = [("files", (name, content)) for name, content in self.agent.files().items()]
        created = self.client.post("/api/v1/analyses", files=files)
        assert created.status_code == 202, created.text
        self._analysis_id = created.json()["id"]

    def start_deploy(self) -> None:
        """Ask for the deploy with the analysis's suggested wiring; the build starts now."""
        try:
            analysis = self.analysis.get()
        except AssertionError:
            return
        self.created = deploy(self.client, self.name, analysis)

    def delete(self) -> None:
        if self.created is not None and self.created.status_code == 202:
            self.client.delete(f"/api/v1/agents/{self.name}")

    def _wait_for_analysis(self) -> dict[str, Any]:
        assert self._analysis_id is not None, "the upload was refused"
        analysis = wait_for(self.client, f"/api/v1/analyses/{self._analysis_id}",
                            lambda a: a["status"] in ("succeeded", "failed"), timeout=ANALYSIS_TIMEOUT)
        assert analysis["status"] == "succeeded", analysis
        return analysis

    def _wait_settled(self) -> dict[str, Any]:
        assert self.created is not None, "the analysis failed, so nothing was deployed"
        assert self.created.status_code == 202, self.created.text
        return wait_settled(self.client, self.name, timeout=BUILD_TIMEOUT)

    def _invoke(self) -> httpx.Response:
        agent = self.settled.get()
        assert agent["status"] == "Running", agent
        return self.client.post(f"/api/v1/agents/{self.name}/invoke", json={"message": self.message},
                                timeout=INVOKE_TIMEOUT)

    def _wait_for_run(self) -> dict[str, Any]:
        """The run once it ended and, if it succeeded and they come, once its LLM and tool calls joined it."""
        answer = self.invocation.get()
        run_id = answer.json().get("run_id")
        assert run_id, answer.text
        run = wait_for(self.client, f"/api/v1/runs/{run_id}",
                       lambda r: r.get("status") in ("succeeded", "failed"), timeout=TIMELINE_TIMEOUT)
        deadline = time.monotonic() + TIMELINE_TIMEOUT
        while run["status"] == "succeeded" and time.monotonic() < deadline and not _has_calls(run):
            time.sleep(0.2)
            run = self.client.get(f"/api/v1/runs/{run_id}").json()
        return run


def _has_calls(run: dict[str, Any]) -> bool:
    types = [event["type"] for event in run.get("events", [])]
    return types.count("llm.call") >= 2 and "tool.call" in types
