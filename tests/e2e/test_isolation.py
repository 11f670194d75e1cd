"""What an agent of `runagents dev` can reach, and what reaches it: only the platform invokes it, the
platform's data dir is its own, and agents outlive a crash of the platform."""

import signal
import stat
import time
import uuid
from pathlib import Path

import httpx

from runagents.processes import PlatformProcesses, start_dev
from runagents_analyzer.analyses.samples import load_sample
from runagents_common.testing import ADMIN_HEADERS
from runagents_runtime.propagation import INVOKE_KEY_HEADER
from tests.e2e.flows import analyze_sample, deploy, runtime_pid, wait_settled
from tests.e2e.test_deploy_paths import upload


def _port(pid: int) -> int:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return int(next(item for item in environ if item.startswith(b"PORT="))[5:])


def test_only_the_platform_invokes_an_agent(dev_platform: PlatformProcesses) -> None:
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        analysis = analyze_sample(client)
        name = f"guarded-{uuid.uuid4().hex[:6]}"
        assert deploy(client, name, analysis).status_code == 202
        agent = wait_settled(client, name)
        assert agent["status"] == "Running", agent
        assert agent["message"] == "", agent  # isolated: bubblewrap works here
        runs_before = client.get("/api/v1/runs", params={"agent": name}).json()
        agent_url = f"http://127.0.0.1:{_port(runtime_pid(name))}"

        for headers in ({}, {INVOKE_KEY_HEADER: "ra-invoke-a-guess"}):
            for path in ("/invoke", "/invoke/stream"):
                direct = httpx.post(agent_url + path, json={"message": "Hi"}, headers=headers, timeout=30)
                assert direct.status_code == 401, (path, headers, direct.text)
                assert direct.headers["content-type"] == "application/problem+json"
        assert httpx.get(agent_url + "/healthz", timeout=10).status_code == 200
        assert client.get("/api/v1/runs", params={"agent": name}).json() == runs_before

        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "Hi"})
        assert answer.status_code == 200, answer.text
        client.delete(f"/api/v1/agents/{name}")


def test_the_data_dir_its_databases_and_keys_are_the_platforms_alone(dev_platform: PlatformProcesses) -> None:
    data_dir = dev_platform.log_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    databases = sorted(data_dir.glob("*.db"))
    assert {path.stem for path in databases} >= {"deployer", "gateway", "runs"}
    keys = [data_dir / "deployer-secret.key", data_dir / "gateway-secret.key"]
    for path in [*databases, *keys]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # Dev mode's provider keys are encrypted with a key of this data dir, not one every install shares.
    assert len((data_dir / "gateway-secret.key").read_text().strip()) >= 32


def deploy_then_crash(tmp_path: Path, name: str) -> tuple[PlatformProcesses, int]:
    """A dev platform that deployed the sample as ``name``, then was killed (-9); the agent's runtime pid."""
    platform = start_dev(tmp_path)
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
            assert deploy(client, name, analyze_sample(client)).status_code == 202
            assert wait_settled(client, name)["status"] == "Running"
        pid = runtime_pid(name)
        crashed = platform.processes["dev"]
        crashed.send_signal(signal.SIGKILL)
        crashed.wait()
    finally:
        platform.stop()
    return platform, pid


def test_agents_outlive_a_crash_of_the_platform_and_are_adopted(tmp_path: Path) -> None:
    platform, pid = deploy_then_crash(tmp_path, "steadfast")
    # The agent still serves while the platform is down.
    assert httpx.get(f"http://127.0.0.1:{_port(pid)}/healthz", timeout=10).status_code == 200
    platform = start_dev(tmp_path, port=httpx.URL(platform.base_url).port)
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
            agent = client.get("/api/v1/agents/steadfast").json()
            assert agent["status"] == "Running", agent  # adopted at start, not restarted
            assert runtime_pid("steadfast") == pid
            answer = client.post("/api/v1/agents/steadfast/invoke", json={"message": "Hi"})
            assert answer.status_code == 200, answer.text
    finally:
        platform.stop()
    # A platform that stops in order stops its agents, adopted ones too.
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "the adopted agent outlived the platform's orderly stop"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_an_agent_left_by_a_crash_that_no_longer_fits_is_replaced_not_leaked(tmp_path: Path) -> None:
    _, pid = deploy_then_crash(tmp_path, "moved")
    platform = start_dev(tmp_path)  # on another port: the agent's gateway URL is stale
    try:
        with httpx.Client(headers=ADMIN_HEADERS, base_url=platform.base_url, timeout=60) as client:
            assert wait_settled(client, "moved")["status"] == "Running"
            assert not _alive(pid)
            assert runtime_pid("moved") != pid
            answer = client.post("/api/v1/agents/moved/invoke", json={"message": "Hi"})
            assert answer.status_code == 200, answer.text
    finally:
        platform.stop()


PLANTED_RUNTIME = "raise SystemExit('the upload replaced the runtime')\n"


def test_an_uploaded_runagents_runtime_package_runs_for_no_tier(dev_platform: PlatformProcesses) -> None:
    sample = [(name, content.decode()) for name, content in load_sample("hello-world", dev_platform.base_url)]
    planted = {"runagents_runtime/__init__.py": PLANTED_RUNTIME, "runagents_runtime/__main__.py": PLANTED_RUNTIME}
    with httpx.Client(headers=ADMIN_HEADERS, base_url=dev_platform.base_url, timeout=60) as client:
        built_in = upload(client, {**dict(sample), **planted})
        assert built_in["report"]["tier"]["value"] == "platform", built_in["report"]["tier"]
        name = f"tier-one-{uuid.uuid4().hex[:6]}"
        assert deploy(client, name, built_in).status_code == 202
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()
        assert client.post(f"/api/v1/agents/{name}/invoke", json={"message": "Hi"}).status_code == 200
        client.delete(f"/api/v1/agents/{name}")

        custom = upload(client, {**planted, "agent.py": "import runagents_runtime\n\n\ndef handler(request):\n"
                                                        "    return runagents_runtime.__file__\n"})
        name = f"tier-two-{uuid.uuid4().hex[:6]}"
        created = client.post("/api/v1/agents", json={"name": name, "analysis_id": custom["id"], "tier": "custom"})
        assert created.status_code == 202, created.text
        assert wait_settled(client, name)["status"] == "Running", dev_platform.logs()
        answer = client.post(f"/api/v1/agents/{name}/invoke", json={"message": "which runtime?"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["response"].endswith("runtime/src/runagents_runtime/__init__.py"), answer.text
        client.delete(f"/api/v1/agents/{name}")
