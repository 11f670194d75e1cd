"""Fault injection: the broker and then the database restart while Hello World is invoked without
pause; every run answered 200 must reach the runs service whole and once: its start and end, both
of its model calls (the gateway's usage events) and its tool call (the egress layer's event).

Runs against the suite's own RabbitMQ node and Postgres cluster (tests/faults/servers.py), never
the shared ones. ``make test-faults``; prints a table of what was sent, received and how long
recovery took.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from runagents.processes import PlatformProcesses
from runagents_common.testing import ADMIN_HEADERS
from tests.e2e.flows import analyze_sample, deploy, wait_settled
from tests.faults.servers import PostgresCluster, RabbitMQNode, wait_until

pytestmark = pytest.mark.faults

WORKERS = 4
STEADY_SECONDS = 6.0
"""Load before the first fault, between the faults and after the last one."""
DATABASE_DOWN_SECONDS = 3.0
"""How long the database stays stopped (a restart alone takes a fraction of a second)."""
SETTLE_TIMEOUT = 180.0
LLM_CALLS_PER_RUN = 2  # Hello World asks for the tool, then answers with its result
MESSAGE = "Say hello through the echo tool."


@dataclass
class Load:
    """Invokes sent by the workers and what each answered."""

    answered: dict[str, dict[str, Any]] = field(default_factory=dict)
    """run id -> the invoke's 200 body"""
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """run id -> the problem of an invoke that started a run the agent failed (502)"""
    statuses: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    """code and detail of each answer other than 200 -> how many"""
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> int:
        return sum(self.statuses.values())


def _invoke_until_stopped(base_url: str, agent: str, load: Load) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=base_url, timeout=60) as client:
        while not load.stop.is_set():
            try:
                response = client.post(f"/api/v1/agents/{agent}/invoke", json={"message": MESSAGE})
                status = str(response.status_code)
                body = response.json() if response.status_code in (200, 502) else None
            except httpx.HTTPError as exc:
                status, body = type(exc).__name__, None
            with load.lock:
                load.statuses[status] += 1
                if status != "200":
                    load.refusals[_refusal(response if status.isdigit() else None, status)] += 1
                if status == "200" and body is not None:
                    load.answered[body["run_id"]] = body
                elif body is not None and body.get("run_id"):
                    load.failed[body["run_id"]] = body
                    body = None
            if body is None:
                time.sleep(0.1)  # a refused invoke is retried by a client after a moment


def _refusal(response: httpx.Response | None, status: str) -> str:
    if response is None:
        return status
    try:
        problem = response.json()
        return f"{status} {problem.get('code')}: {str(problem.get('detail'))[:80]}"
    except ValueError:
        return f"{status} {response.text[:80]}"


def _service_urls(platform: PlatformProcesses) -> dict[str, str]:
    urls = {}
    for name, process in platform.processes.items():
        args = [str(a) for a in process.args]
        if "serve" in args:
            urls[name] = f"http://127.0.0.1:{args[args.index('--port') + 1]}"
    return urls


def _all_ready(urls: dict[str, str]) -> bool:
    try:
        return all(httpx.get(f"{url}/readyz", timeout=3).status_code == 200 for url in urls.values())
    except httpx.HTTPError:
        return False


def _any_not_ready(urls: dict[str, str]) -> bool:
    return not _all_ready(urls)


def _timeline_problems(run_id: str, answer: dict[str, Any], run: dict[str, Any]) -> list[str]:
    counts = Counter(e["type"] for e in run.get("events", []))
    if "tool_calls_made" in answer:  # answered 200
        expected = {"run.started": 1, "run.completed": 1, "llm.call": LLM_CALLS_PER_RUN,
                    "tool.call": len(answer["tool_calls_made"])}
        status = "succeeded"
    else:  # the agent failed: what it called before is not known to the client, its start and end are
        expected = {"run.started": 1, "run.completed": 0, "run.failed": 1}
        status = "failed"
    problems = [f"{run_id}: {kind} x{counts[kind]}, expected {n}" for kind, n in expected.items() if counts[kind] != n]
    if run.get("status") != status:
        problems.append(f"{run_id}: status {run.get('status')}, expected {status}")
    return problems


def test_every_run_usage_event_and_tool_call_arrives_once_through_broker_and_database_restarts(
    faulty_platform: PlatformProcesses, private_rabbitmq: RabbitMQNode, private_postgres: PostgresCluster
) -> None:
    platform = faulty_platform
    urls = _service_urls(platform)
    with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
        analysis = analyze_sample(client)
        assert analysis["status"] == "succeeded", analysis
        agent = f"faults-{uuid.uuid4().hex[:6]}"
        assert deploy(client, agent, analysis).status_code == 202
        assert wait_settled(client, agent)["status"] == "Running", platform.logs()

    load = Load()
    figures: dict[str, float] = {}
    with ThreadPoolExecutor(WORKERS) as pool:
        workers = [pool.submit(_invoke_until_stopped, platform.base_url, agent, load) for _ in range(WORKERS)]
        try:
            time.sleep(STEADY_SECONDS)  # load runs meanwhile: this is the experiment's duration, not a wait

            started = time.monotonic()
            private_rabbitmq.stop()
            figures["services saw the broker down (s)"] = wait_until(
                lambda: _any_not_ready(urls), 30, "a service's /readyz says the broker is down")
            private_rabbitmq.start()
            figures["broker down (s)"] = time.monotonic() - started
            figures["ready after the broker is back (s)"] = wait_until(
                lambda: _all_ready(urls), 60, "every service ready after the broker restart")

            time.sleep(STEADY_SECONDS)

            started = time.monotonic()
            private_postgres.stop()
            time.sleep(DATABASE_DOWN_SECONDS)  # the outage lasts this long under load
            private_postgres.start()
            figures["database down (s)"] = time.monotonic() - started
            figures["ready after the database is back (s)"] = wait_until(
                lambda: _all_ready(urls), 60, "every service ready after the database restart")

            time.sleep(STEADY_SECONDS)
        finally:
            load.stop.set()
            for worker in workers:
                worker.result()

    # Every run answered 200 must reach its timeline whole, and nothing in it twice.
    pending = {**load.answered, **load.failed}
    problems: dict[str, list[str]] = {}
    settle_started = time.monotonic()
    with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=30) as client:
        while pending and time.monotonic() - settle_started < SETTLE_TIMEOUT:
            for run_id, answer in list(pending.items()):
                response = client.get(f"/api/v1/runs/{run_id}")
                if response.status_code != 200:
                    problems[run_id] = [f"{run_id}: GET answered {response.status_code}"]
                    continue
                problems[run_id] = _timeline_problems(run_id, answer, response.json())
                if not problems[run_id]:
                    del pending[run_id]
                    del problems[run_id]
            if pending:
                time.sleep(0.5)
    figures["timelines complete after the load (s)"] = time.monotonic() - settle_started

    received = len(load.answered) + len(load.failed) - len(pending)
    duplicates = sum(1 for p in problems.values() for line in p if " x" in line and _over(line))
    print("\n| figure | value |\n|---|---|")
    print(f"| invokes sent | {load.sent()} |")
    print(f"| answered | {dict(load.statuses)} |")
    for refusal, count in load.refusals.most_common():
        print(f"| answered {refusal} | {count} |")
    print(f"| runs answered 200 | {len(load.answered)} |")
    print(f"| runs answered 502 (the agent failed) | {len(load.failed)} |")
    print(f"| runs complete in the runs service | {received} |")
    print(f"| runs incomplete or with duplicates | {len(pending)} (with duplicates: {duplicates}) |")
    for name, value in figures.items():
        print(f"| {name} | {value:.1f} |")

    assert len(load.answered) > 0
    assert "500" not in load.statuses, dict(load.statuses)
    # A service never drops the connection of an answered request: the ingress reusing it lost the next one.
    lost = {refusal: count for refusal, count in load.refusals.items() if "bad_gateway" in refusal}
    assert not lost, lost
    assert not pending, ("\n".join(line for p in problems.values() for line in p)[:4000] + "\n" + platform.logs())


def _over(line: str) -> bool:
    """Whether a problem line says an event came more often than expected."""
    got, expected = line.split(" x", 1)[1].split(", expected ")
    return int(got) > int(expected)
