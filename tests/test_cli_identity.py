"""The command line on a platform that asks who calls: where its key comes from (RUNAGENTS_API_KEY, `runagents
login`'s file, dev mode's admin.key on loopback), what a refusal tells the person, the keys commands, and the
service keys `runagents setup-identity` makes for distributed mode, checked by real services."""

import asyncio
import os
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runagents.platform_client import find_api_key, is_loopback
from runagents.processes import free_port
from runagents_common.auth.service_keys import derive_service_key
from runagents_common.events.catalog import Service
from runagents_common.testing import delete_namespace, fresh_database


@dataclass
class DevPlatform:
    base_url: str
    data_dir: Path
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as a fresh clone is for `make dev`: dev mode's data dir is `.runagents` in it."""
    return tmp_path_factory.mktemp("clone")


@pytest.fixture(scope="module")
def dev(workdir: Path) -> Iterator[DevPlatform]:
    """`runagents dev` with its data dir in ``workdir``, started as a fresh shell would (no RUNAGENTS_ setting)."""
    data_dir, port = workdir / ".runagents", free_port()
    data_dir.mkdir()
    log = data_dir / "dev.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "runagents", "dev", "--port", str(port), "--data-dir",
                                    str(data_dir)], env=environment, stdout=out, stderr=subprocess.STDOUT)
    platform = DevPlatform(f"http://127.0.0.1:{port}", data_dir, log)
    try:
        _wait_ready(platform.base_url, process, log)
        yield platform
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def config_home(tmp_path: Path) -> Path:
    return tmp_path / "config"


def runagents(*args: str, cwd: Path, config_home: Path, env: dict[str, str] | None = None,
              stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as a person's shell runs it: none of the platform's settings unless given."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")}
    environment |= {"XDG_CONFIG_HOME": str(config_home), **(env or {})}
    return subprocess.run([sys.executable, "-m", "runagents", *args], capture_output=True, text=True, cwd=cwd,
                          env=environment, input=stdin, timeout=timeout)


def admin_key(dev: DevPlatform) -> str:
    return (dev.data_dir / "admin.key").read_text().strip()


def make_key(dev: DevPlatform, name: str, role: str = "viewer") -> str:
    made = httpx.post(f"{dev.base_url}/api/v1/api-keys", json={"name": name, "role": role},
                      headers={"authorization": f"Bearer {admin_key(dev)}"})
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    return key


def test_a_command_with_no_key_anywhere_says_how_to_get_one(dev: DevPlatform, tmp_path: Path,
                                                            config_home: Path) -> None:
    done = runagents("whoami", "--url", dev.base_url, cwd=tmp_path, config_home=config_home)

    assert done.returncode == 1
    assert done.stderr.strip() == (f"runagents whoami: the platform at {dev.base_url} needs an API key: run "
                                   f"`runagents login --url {dev.base_url}` or set RUNAGENTS_API_KEY")


def test_login_keeps_the_key_for_its_owner_only_and_whoami_then_needs_no_environment(
        dev: DevPlatform, tmp_path: Path, config_home: Path) -> None:
    key = make_key(dev, "laptop")

    login = runagents("login", "--url", dev.base_url, "--key-stdin", stdin=key + "\n", cwd=tmp_path,
                      config_home=config_home)
    assert login.returncode == 0, login.stderr
    assert f"signed in to {dev.base_url} as laptop (key:{key[:13]}), role viewer" in login.stdout
    config = config_home / "runagents" / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert key in config.read_text() and key not in login.stdout + login.stderr

    whoami = runagents("whoami", "--url", dev.base_url + "/", cwd=tmp_path, config_home=config_home)
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.startswith("laptop (key:") and ", role viewer, at " in whoami.stdout

    logout = runagents("logout", "--url", dev.base_url, cwd=tmp_path, config_home=config_home)
    assert logout.returncode == 0
    assert key not in config.read_text()
    again = runagents("whoami", "--url", dev.base_url, cwd=tmp_path, config_home=config_home)
    assert again.returncode == 1 and "needs an API key" in again.stderr


def test_login_with_a_key_the_platform_refuses_stores_nothing(dev: DevPlatform, tmp_path: Path,
                                                              config_home: Path) -> None:
    done = runagents("login", "--url", dev.base_url, "--key-stdin", stdin="ra_abcdefghij_not-a-real-secret\n",
                     cwd=tmp_path, config_home=config_home)

    assert done.returncode == 1
    assert "does not accept this key" in done.stderr and "nothing was stored" in done.stderr
    assert not (config_home / "runagents" / "config.toml").exists()


def test_the_environments_key_wins_over_the_stored_one(dev: DevPlatform, tmp_path: Path,
                                                       config_home: Path) -> None:
    stored, from_env = make_key(dev, "stored"), make_key(dev, "from-env")
    assert runagents("login", "--url", dev.base_url, "--key-stdin", stdin=stored, cwd=tmp_path,
                     config_home=config_home).returncode == 0

    done = runagents("whoami", "--url", dev.base_url, cwd=tmp_path, config_home=config_home,
                     env={"RUNAGENTS_API_KEY": from_env})

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("from-env (key:") and "(API key from RUNAGENTS_API_KEY)" in done.stdout


def test_keys_are_made_listed_and_revoked_through_the_command_line(dev: DevPlatform, workdir: Path,
                                                                   config_home: Path) -> None:
    # The dev platform's data dir is ./.runagents here: its admin key is the one sent.
    name = f"ci-{uuid.uuid4().hex[:6]}"
    made = runagents("keys", "create", "--name", name, "--role", "operator", "--expires-in", "30d",
                     "--url", dev.base_url, cwd=workdir, config_home=config_home)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert made.stdout == key + "\n" and key.startswith("ra_"), "stdout is the key alone"
    prefix = key[:13]
    assert f"made API key {prefix} ({name}, role operator, expires " in made.stderr

    listed = runagents("keys", "list", "--url", dev.base_url, cwd=workdir, config_home=config_home)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["PREFIX", "NAME", "ROLE", "STATE", "EXPIRES", "LAST", "USED"]
    row = next(row for row in rows if row.startswith(prefix))
    assert row.split()[1:4] == [name, "operator", "active"]
    assert key not in listed.stdout

    as_the_key = runagents("whoami", "--url", dev.base_url, cwd=workdir, config_home=config_home,
                           env={"RUNAGENTS_API_KEY": key})
    assert as_the_key.returncode == 0 and as_the_key.stdout.startswith(f"{name} (key:{prefix}), role operator")

    revoked = runagents("keys", "revoke", prefix, "--url", dev.base_url, cwd=workdir, config_home=config_home)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked {prefix} ({name}, role operator)"
    relisted = runagents("keys", "list", "--url", dev.base_url, cwd=workdir, config_home=config_home)
    assert next(row for row in relisted.stdout.splitlines() if row.startswith(prefix)).split()[3] == "revoked"

    refused = runagents("whoami", "--url", dev.base_url, cwd=workdir, config_home=config_home,
                        env={"RUNAGENTS_API_KEY": key})
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"runagents whoami: the platform at {dev.base_url} refused the API key from RUNAGENTS_API_KEY (the API key "
        f"is not valid: unknown, revoked or expired): run `runagents login --url {dev.base_url}` or set "
        "RUNAGENTS_API_KEY")


def test_a_role_too_small_is_refused_with_the_role_it_needs(dev: DevPlatform, tmp_path: Path,
                                                            config_home: Path) -> None:
    done = runagents("keys", "list", "--url", dev.base_url, cwd=tmp_path, config_home=config_home,
                     env={"RUNAGENTS_API_KEY": make_key(dev, "reader")})

    assert done.returncode == 1
    assert done.stderr.startswith("runagents keys list: refused: this needs the admin role")


def test_dev_modes_admin_key_is_read_from_the_data_dir_for_loopback_addresses_only(
        dev: DevPlatform, tmp_path: Path, config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = dev.data_dir
    by_option = runagents("whoami", "--url", dev.base_url, "--data-dir", str(data_dir), cwd=tmp_path,
                          config_home=config_home)
    assert by_option.returncode == 0, by_option.stderr
    assert by_option.stdout.startswith("bootstrap admin key (data-dir)") and str(data_dir) in by_option.stdout
    by_environment = runagents("whoami", "--url", dev.base_url, cwd=tmp_path, config_home=config_home,
                               env={"RUNAGENTS_DATA_DIR": str(data_dir)})
    assert by_environment.returncode == 0, by_environment.stderr

    monkeypatch.delenv("RUNAGENTS_API_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    assert all(is_loopback(url) for url in ("http://127.0.0.1:8000", "http://localhost", "http://[::1]:9",
                                            "http://127.0.0.2/"))
    assert not any(is_loopback(url) for url in ("http://10.0.0.5:8000", "https://runagents.example.com",
                                                "http://localhost.example.com"))
    found = find_api_key("http://localhost:8000", data_dir)
    assert found is not None and found.value == admin_key(dev)
    assert find_api_key("http://10.0.0.5:8000", data_dir) is None
    assert find_api_key("https://runagents.example.com", data_dir) is None


def test_the_readmes_two_commands_deploy_the_sample_with_no_key_set_up(dev: DevPlatform, workdir: Path,
                                                                       config_home: Path) -> None:
    # `make dev` in a fresh clone, then `uv run runagents deploy --sample hello-world --name hello-world`.
    done = runagents("deploy", "--sample", "hello-world", "--name", "hello-world", "--url", dev.base_url,
                     cwd=workdir, config_home=config_home, timeout=300)

    assert done.returncode == 0, done.stdout + done.stderr + dev.logs()
    assert "hello-world is Running" in done.stdout


def test_setup_identity_writes_an_owner_only_file_and_keeps_what_the_environment_sets(
        tmp_path: Path, config_home: Path) -> None:
    env_file = tmp_path / "identity.env"
    done = runagents("setup-identity", "--env-file", str(env_file), cwd=tmp_path, config_home=config_home)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "RUNAGENTS_SERVICE_KEYS_SECRET to the policy service alone" in done.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    secret = settings["RUNAGENTS_SERVICE_KEYS_SECRET"]
    assert len(secret) >= 40 and len(settings["RUNAGENTS_ADMIN_KEY"]) >= 40
    for service in Service:
        assert settings[f"RUNAGENTS_{service.value.upper()}_SERVICE_KEY"] == derive_service_key(secret, service)

    printed = runagents("setup-identity", cwd=tmp_path, config_home=config_home,
                        env={"RUNAGENTS_SERVICE_KEYS_SECRET": secret,
                             "RUNAGENTS_ADMIN_KEY": settings["RUNAGENTS_ADMIN_KEY"]})
    assert printed.stdout == env_file.read_text()
    fresh = runagents("setup-identity", cwd=tmp_path, config_home=config_home)
    assert f"RUNAGENTS_SERVICE_KEYS_SECRET={secret}\n" not in fresh.stdout


def test_the_keys_setup_identity_makes_are_accepted_by_the_services_that_each_hold_only_their_own(
        tmp_path: Path, config_home: Path, amqp_url: str) -> None:
    env_file = tmp_path / "identity.env"
    assert runagents("setup-identity", "--env-file", str(env_file), cwd=tmp_path,
                     config_home=config_home).returncode == 0
    identity = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    namespace = f"test-identity-{uuid.uuid4().hex[:8]}"
    ports = {"policy": free_port(), "runs": free_port()}
    with fresh_database() as database_url:
        common = {"RUNAGENTS_MODE": "distributed", "DATABASE_URL": database_url, "AMQP_URL": amqp_url,
                  "RUNAGENTS_BUS_NAMESPACE": namespace, "RUNAGENTS_DATA_DIR": str(tmp_path / "data"),
                  "RUNAGENTS_ADMIN_KEY": identity["RUNAGENTS_ADMIN_KEY"],
                  **{f"RUNAGENTS_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}}
        migrated = runagents("migrate", "policy", "runs", cwd=tmp_path, config_home=config_home, env=common)
        assert migrated.returncode == 0, migrated.stderr
        # As deploy/ gives them: the policy service the secret (and its own key), runs its own key alone.
        own = {"policy": {"RUNAGENTS_SERVICE_KEYS_SECRET": identity["RUNAGENTS_SERVICE_KEYS_SECRET"],
                          "RUNAGENTS_POLICY_SERVICE_KEY": identity["RUNAGENTS_POLICY_SERVICE_KEY"]},
               "runs": {"RUNAGENTS_RUNS_SERVICE_KEY": identity["RUNAGENTS_RUNS_SERVICE_KEY"]}}
        environment = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")}
        processes = {}
        for name, port in ports.items():
            with open(tmp_path / f"{name}.log", "wb") as log:
                processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "runagents", "serve", name, "--port", str(port)], cwd=tmp_path,
                    env=environment | common | own[name], stdout=log, stderr=subprocess.STDOUT)
        try:
            policy, runs = (f"http://127.0.0.1:{port}" for port in ports.values())
            for name, url in (("policy", policy), ("runs", runs)):
                _wait_ready(url, processes[name], tmp_path / f"{name}.log")
            admin = {"authorization": f"Bearer {identity['RUNAGENTS_ADMIN_KEY']}"}

            for service in Service:
                key = identity[f"RUNAGENTS_{service.value.upper()}_SERVICE_KEY"]
                me = httpx.get(f"{policy}/api/v1/auth/me", headers={"authorization": f"Bearer {key}"})
                assert me.status_code == 200, me.text
                assert (me.json()["id"], me.json()["role"]) == (f"service:{service.value}", "service")
            impostor = derive_service_key("another platform's secret", Service.RUNS)
            assert httpx.get(f"{policy}/api/v1/auth/me",
                             headers={"authorization": f"Bearer {impostor}"}).status_code == 401

            assert httpx.get(f"{runs}/api/v1/runs", headers=admin).status_code == 200
            # An API key is known to the policy service only: runs asks it, as service:runs, with its own key.
            made = httpx.post(f"{policy}/api/v1/api-keys", json={"name": "reader", "role": "viewer"}, headers=admin)
            assert made.status_code == 201, made.text
            read = httpx.get(f"{runs}/api/v1/runs", headers={"authorization": f"Bearer {made.json()['key']}"})
            assert read.status_code == 200, read.text
        finally:
            for process in processes.values():
                process.terminate()
                process.wait(30)
            asyncio.run(delete_namespace(amqp_url, namespace, list(ports)))


def _wait_ready(url: str, process: "subprocess.Popen[bytes]", log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready within {timeout:.0f} s: {log.read_text()[-3000:]}")
