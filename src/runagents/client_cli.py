"""``runagents deploy``: upload, analyze, wire what the analysis suggests, deploy (or redeploy) — with progress
bars; ``runagents logs``: an agent's log, its tail or followed."""

import io
import json
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from runagents_contracts.entry import EntryAdapter
from runagents_contracts.llm_usage import ADAPTERS_NEEDING_A_MODEL

from runagents.platform_client import fail as _fail
from runagents.platform_client import find_api_key, platform_client

BAR_WIDTH = 30
SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache"}


def progress_bar(percent: int, label: str) -> str:
    """One line of a terminal progress bar, e.g. ``[#########.....]  60% scanning``."""
    percent = max(0, min(100, percent))
    filled = BAR_WIDTH * percent // 100
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {label}"


def _show(line: str, last: list[str]) -> None:
    if sys.stdout.isatty():
        sys.stdout.write("\r\033[K" + line)
    elif not last or last[-1] != line:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    last.append(line)


def suggested_wiring(
    report: dict[str, Any],
) -> tuple[dict[str, str | None], dict[str, dict[str, str] | None]]:
    """The tools and models an analysis report suggests, as a deploy request takes them: each
    detected tool's registered tool, each model role's provider and model (the last usage of a
    role decides). A finding nothing registered matches maps to None."""
    tools = {t["name"]: t.get("suggested") for t in report.get("tools", [])}
    models = {(u.get("role") or "chat"): u.get("suggested") for u in report.get("llm_usage", [])}
    return tools, models


def framework_chat_model(client: httpx.Client, report: dict[str, Any],
                         models: dict[str, dict[str, str] | None]) -> dict[str, str] | None:
    """A chat model for an entry whose framework answers with one when the analysis saw no call to a
    model (it is built in the framework's own code or configuration): the first chat model
    registered. None when the report needs none, has one, or nothing is registered."""
    entry = report.get("entry_point") or {}
    adapter = entry.get("adapter")
    if "chat" in models or (report.get("tier") or {}).get("value") != "custom" or adapter not in {
        a.value for a in ADAPTERS_NEEDING_A_MODEL
    }:
        return None
    listed = client.get("/api/v1/model-providers")
    if listed.status_code != 200:
        return None
    for provider in listed.json().get("items", []):
        for model in provider.get("models") or []:
            if (model.get("role") or "chat") == "chat":
                return {"provider": provider["name"], "model": model["name"]}
    return None


def zip_folder(folder: Path) -> bytes:
    """The folder as the upload a user sends: its files, without VCS, virtualenv and cache folders."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and not SKIPPED_DIRS & set(path.relative_to(folder).parts):
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an answer; anything else ends the command naming what answered."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        _fail(f"runagents deploy: {response.request.url} answered {response.status_code} with no JSON object: "
              "is this the RunAgents platform's address?")
    return body


def _accepted(response: httpx.Response, what: str) -> dict[str, Any]:
    """The body of a 202 answer; any other answer ends the command with the refusal's detail."""
    body = _body(response)
    if response.status_code != 202:
        _fail(f"{what} refused ({response.status_code}): {body.get('detail', response.text)}")
    return body


def deploy(url: str, name: str, source: Path | None, sample: str | None, data_dir: Path | None = None) -> None:
    """Upload, analyze, wire and deploy; every failure is one line on stderr and exit code 1. ``data_dir``: dev
    mode's, whose admin key is sent to a loopback address when no other key is given."""
    if source is not None and not source.exists():
        _fail(f"runagents deploy: {source} does not exist (give an agent's folder, a file or an archive)")
    try:
        _deploy(url, name, source, sample, data_dir)
    except httpx.InvalidURL as exc:
        _fail(f"runagents deploy: {url!r} is not a URL ({exc})")
    except httpx.HTTPError as exc:
        _fail(f"runagents deploy: cannot reach the platform at {url} ({type(exc).__name__}): is it running? "
              "(--url or RUNAGENTS_PLATFORM_URL names it)")
    except OSError as exc:
        _fail(f"runagents deploy: cannot read {exc.filename or source}: {exc.strerror or exc}")


def _deploy(url: str, name: str, source: Path | None, sample: str | None, data_dir: Path | None) -> None:
    with platform_client(url, "runagents deploy", find_api_key(url, data_dir)) as client:
        if sample:
            created = client.post("/api/v1/analyses", json={"sample": sample})
        else:
            assert source is not None
            if source.is_dir():
                files = [("files", ("upload.zip", zip_folder(source), "application/zip"))]
            else:
                files = [("files", (source.name, source.read_bytes(), "application/octet-stream"))]
            created = client.post("/api/v1/analyses", files=files)
        analysis = _follow(client, f"/api/v1/analyses/{_accepted(created, 'upload')['id']}", "Analyzing",
                           lambda a: (a["progress"], a.get("phase") or a["status"]), ended=("succeeded", "failed"))
        if analysis["status"] != "succeeded":
            _fail(f"analysis failed: {analysis.get('error')}")
        tools, models = suggested_wiring(analysis["report"])
        chat = framework_chat_model(client, analysis["report"], models)
        if chat is not None:
            models["chat"] = chat
            adapter = EntryAdapter(analysis["report"]["entry_point"]["adapter"])
            print(f"model role chat: {chat['provider']}/{chat['model']} "
                  f"(the {adapter} entry answers with a chat model)")
        unwired = [f"tool {n}" for n, s in tools.items() if not s]
        unwired += [f"model role {r}" for r, s in models.items() if not s]
        if unwired:
            _fail("no registered resource matches: " + ", ".join(unwired) + " (register them, then deploy again)")
        body = {"name": name, "analysis_id": analysis["id"], "tools": tools, "models": models,
                "access": {"mode": "open"}}
        accepted = _accepted(client.post("/api/v1/agents", json=body), "deploy")
        if accepted.get("next_deployment_id"):
            _redeployed(client, name, accepted["next_deployment_id"])
        else:
            agent = _follow(client, f"/api/v1/agents/{name}", "Deploying",
                            lambda a: (a["progress"], a.get("message") or a["phase"]), ended=("Running", "Failed"))
            if agent["status"] != "Running":
                _fail(f"deploy failed: {agent['message']}")
        print(f"\n{name} is Running. Try:\n  curl -s -XPOST {url.rstrip('/')}/api/v1/agents/{name}/invoke "
              "-H 'content-type: application/json' -d '{\"message\":\"Say hello through the echo tool.\"}'")


REDEPLOY_PROGRESS = {"building": 20, "built": 75, "starting": 85, "running": 100, "failed": 100}
REDEPLOY_ENDED = ("running", "failed", "stopped", "superseded", "gone")
"""A new deployment's states once it is no longer under way (building, built, starting); gone: not listed."""


def _redeployed(client: httpx.Client, name: str, deployment_id: str) -> None:
    """Follow a redeploy of an agent that serves: its new deployment until it runs (then it serves) or fails
    (then the previous one still serves)."""
    def deployment(listing: dict[str, Any]) -> dict[str, Any]:
        found = next((d for d in listing.get("items", []) if d["id"] == deployment_id), None)
        return found if found is not None else {"status": "gone"}

    def state(listing: dict[str, Any]) -> tuple[int, str]:
        status = deployment(listing)["status"]
        return REDEPLOY_PROGRESS.get(status, 100), status

    ended = deployment(_follow(client, f"/api/v1/agents/{name}/deployments", "Redeploying", state,
                               ended=REDEPLOY_ENDED, status=lambda listing: deployment(listing)["status"]))
    if ended["status"] != "running":
        _fail(f"redeploy failed ({ended['status']}): {ended.get('error') or 'see the agent'}; "
              "the previous deployment keeps serving")


def logs(url: str, name: str, lines: int, follow: bool, data_dir: Path | None = None) -> None:
    """Print an agent's log (its current deployment's stdout and stderr, secrets masked); ``follow``: then
    each new line as it is written, until interrupted."""
    try:
        with platform_client(url, "runagents logs", find_api_key(url, data_dir),
                             timeout=httpx.Timeout(30, read=None)) as client:
            if not follow:
                response = client.get(f"/api/v1/agents/{name}/logs", params={"lines": lines})
                body = _body(response)
                if response.status_code != 200:
                    _fail(f"runagents logs: {body.get('detail', response.text)}")
                for line in body.get("lines", []):
                    print(line)
                return
            with client.stream("GET", f"/api/v1/agents/{name}/logs",
                               params={"lines": lines, "follow": "true"}) as stream:
                if stream.status_code != 200:
                    stream.read()
                    _fail(f"runagents logs: {_body(stream).get('detail', stream.text)}")
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        print(json.loads(line[6:]).get("line", ""), flush=True)
    except KeyboardInterrupt:
        return
    except httpx.HTTPError as exc:
        _fail(f"runagents logs: cannot reach the platform at {url} ({type(exc).__name__})")


def _follow(client: httpx.Client, path: str, title: str, state: Callable[[dict[str, Any]], tuple[Any, Any]],
            ended: tuple[str, ...], timeout: float = 600,
            status: Callable[[dict[str, Any]], str] = lambda body: str(body["status"])) -> dict[str, Any]:
    """Poll `path`, drawing its progress, until its `status` is one of `ended`; return the last body."""
    last: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = _body(client.get(path))
        percent, label = state(body)
        _show(f"{title:<10} {progress_bar(int(percent), str(label))}", last)
        if status(body) in ended:
            if sys.stdout.isatty():
                sys.stdout.write("\n")
            return body
        time.sleep(0.2)
    _fail(f"{title.lower()} did not finish within {timeout:.0f} s")
