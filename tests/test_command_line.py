"""What a person meets first at the command line: clear one-line errors, loopback by default, a busy port."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runagents.processes import free_port


def runagents(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")} | (env or {})
    return subprocess.run([sys.executable, "-m", "runagents", *args], capture_output=True, text=True,
                          timeout=timeout, env=environment)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_deploy_of_a_missing_path_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    done = runagents("deploy", str(tmp_path / "nowhere"), "--name", "x")

    assert done.returncode == 1
    assert done.stderr.strip() == f"runagents deploy: {tmp_path / 'nowhere'} does not exist " \
                                  "(give an agent's folder, a file or an archive)"


def test_deploy_to_a_platform_that_is_down_is_one_line_naming_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = runagents("deploy", "--sample", "hello-world", "--name", "x", "--url", url)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(f"runagents deploy: cannot reach the platform at {url} (ConnectError)")


def test_deploy_reads_the_platform_url_from_the_environment() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = runagents("deploy", "--sample", "hello-world", "--name", "x", env={"RUNAGENTS_PLATFORM_URL": url})

    assert done.returncode == 1
    assert f"cannot reach the platform at {url} " in done.stderr


def test_deploy_usage_shows_the_default_address() -> None:
    shown = runagents("deploy", "--help").stdout
    assert "default: http://127.0.0.1:8000" in " ".join(shown.split())

    from_environment = runagents("deploy", "--help", env={"RUNAGENTS_PLATFORM_URL": "http://platform.internal:9"})
    assert "default: http://platform.internal:9" in " ".join(from_environment.stdout.split())


@pytest.mark.parametrize("command", [["dev", "--data-dir", "{tmp}"], ["serve", "runs"], ["ingress"]])
def test_a_busy_port_is_one_clear_line_before_any_success_line(command: list[str], busy_port: int,
                                                                tmp_path: Path) -> None:
    done = runagents(*[part.format(tmp=tmp_path) for part in command], "--port", str(busy_port))

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == f"runagents: cannot listen on 127.0.0.1:{busy_port}: address already in use"


def test_the_ingress_listens_on_loopback_unless_asked() -> None:
    # Another loopback address holds the port: a command listening on every interface could not take it,
    # one on 127.0.0.1 is not in its way. (serve's default shows in the busy-port test's message.)
    with socket.socket() as other:
        other.bind(("127.0.0.2", 0))
        other.listen()
        port = other.getsockname()[1]
        process = subprocess.Popen([sys.executable, "-m", "runagents", "ingress", "--port", str(port)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")})
        try:
            assert process.stdout is not None and process.stderr is not None
            line = process.stdout.readline()
            assert line == f"RunAgents ingress on 127.0.0.1:{port}\n", line + process.stderr.read()
        finally:
            process.kill()
            process.wait(30)


@pytest.mark.parametrize(("service", "setting"), [("gateway", "RUNAGENTS_GATEWAY_SECRET_KEY"),
                                                  ("deployer", "RUNAGENTS_DEPLOYER_SECRET_KEY")])
def test_a_service_without_its_secret_key_says_so_in_one_line(service: str, setting: str) -> None:
    done = runagents("serve", service, "--port", str(free_port()), env={"RUNAGENTS_MODE": "distributed"})

    assert done.returncode == 1
    assert done.stderr.startswith(f"runagents serve {service}: {setting} must be set outside dev mode")
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_a_service_without_its_service_key_says_so_in_one_line() -> None:
    done = runagents("serve", "runs", "--port", str(free_port()), env={"RUNAGENTS_MODE": "distributed"})

    assert done.returncode == 1
    assert done.stderr.startswith("runagents serve runs: RUNAGENTS_RUNS_SERVICE_KEY is not set")
    assert "runagents setup-identity" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
