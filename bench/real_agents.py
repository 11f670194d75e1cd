"""Real public agents, uploaded unchanged: how many reach Running and how many answer (issue 14, item 9).

    uv run python bench/real_agents.py [--only ID,...] [--include-held-out] [--url URL]
                                       [--timeout 600] [--mirrors /work/.mirror] [--json OUT]

The list is bench/real_agents.toml (pointers and labels only: repository, pinned commit, path). This
script downloads nothing itself: each agent's folder is materialized from a local mirror of its
repository (`git --git-dir=<mirrors>/<owner>+<name>/repo archive <commit> <path>`); a missing mirror
or commit is reported in the table with the command that would bring it. The platform's builder
installs each agent's own requirements from PyPI, as it would for any user.

Unless --url is given, the platform is started in dev mode (fresh data dir, a free port). For each
agent: upload the files unchanged (POST /api/v1/analyses, multipart, one zip as `runagents deploy`
sends a folder), wait for the analysis, deploy with the suggested wiring (each suggested tool, and a
tool registered at the detected base URL for each detected tool nothing registered matches, as a user
does with Register new in the Wire step; every
detected model role wired to the playground provider's chat model, and a `chat` role when none was
detected; access open), wait for Running or Failed, invoke with the probe message, delete the agent.
Held-out agents are skipped unless --include-held-out (look at them only for the final measure).
See docs/real-agents.md.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from runagents.client_cli import zip_folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIST = Path(__file__).with_name("real_agents.toml")
PLAYGROUND = {"provider": "playground", "model": "playground-mini"}
# What a Python repr of an object or a failure looks like, rather than text a person reads.
REPR = re.compile(r"^\s*(<[\w.]+ object at 0x|[A-Z]\w*\(\w+=|\{'|\[\{'|\[[A-Z]\w*\(|Traceback \(most recent)")
ERROR = re.compile(r"^\s*(error|exception|traceback)\b|\b(Error|Exception): ", re.IGNORECASE)


@dataclass
class Result:
    id: str
    framework: str
    held_out: bool
    status: str = ""  # Running, Failed, or what stopped before a deploy (missing mirror, analysis failed...)
    reason: str = ""
    answered: bool = False
    http: int | None = None
    response: str = ""
    seconds: float = 0.0
    entry: str = ""
    by: str = ""  # what answered: the adapter that called the agent's own code, or the built-in loop
    detail: str = ""  # the whole message behind `reason` or a failed invoke (JSON output only)
    notes: list[str] = field(default_factory=list)


def load_agents(path: Path) -> list[dict[str, Any]]:
    return tomllib.loads(path.read_text())["agent"]


def mirror_of(mirrors: Path, repo: str) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def materialize(agent: dict[str, Any], mirrors: Path, into: Path) -> str | None:
    """Write the agent's files at its commit under `into`; None, or why not (with what would fix it)."""
    git_dir = mirror_of(mirrors, agent["repo"])
    if not git_dir.exists():
        return (f"mirror missing: {git_dir} (fetch github:{agent['repo']}, or "
                f"git clone --bare https://github.com/{agent['repo']} {git_dir})")
    commit = agent["commit"]
    known = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "-e", f"{commit}^{{commit}}"],
                           capture_output=True)
    if known.returncode != 0:
        return (f"commit {commit[:12]} not in {git_dir} (fetch github:{agent['repo']} again, or "
                f"git --git-dir={git_dir} fetch origin {commit})")
    paths = agent["path"] if isinstance(agent["path"], list) else [agent["path"]]
    archive = subprocess.run(["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit, *paths],
                             capture_output=True)
    if archive.returncode != 0:
        return f"git archive failed: {archive.stderr.decode(errors='replace').strip()}"
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return None


def upload_root(agent: dict[str, Any], scratch: Path) -> Path:
    """The folder a user would upload: the agent's folder, or the files' common parent."""
    paths = agent["path"] if isinstance(agent["path"], list) else [agent["path"]]
    if len(paths) == 1 and (scratch / paths[0]).is_dir():
        return scratch / paths[0]
    parents = {str(Path(p).parent) for p in paths}
    return scratch / (parents.pop() if len(parents) == 1 else "")


def poll(client: httpx.Client, path: str, ended: tuple[str, ...], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(path)
        if response.status_code == 200:
            body = response.json()
            if body.get("status") in ended:
                return body
        time.sleep(1)
    return {**body, "status": "Timeout", "message": f"not {' or '.join(ended)} within {timeout:.0f} s "
                                                    f"(last: {body.get('status')} {body.get('phase') or ''})"}


def wiring(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each detected tool that has a suggested registered tool (the others are left unwired, as a user
    with nothing registered for them would); every detected model role on the playground."""
    tools = {t["name"]: t["suggested"] for t in report.get("tools", []) if t.get("suggested")}
    roles = {(u.get("role") or "chat") for u in report.get("llm_usage", [])}
    models = {role: ({"provider": "playground", "model": "playground-embed"} if role == "embedding" else PLAYGROUND)
              for role in roles or {"chat"}}
    return tools, models


def register_unmatched_tools(client: httpx.Client, report: dict[str, Any]) -> dict[str, str]:
    """What a user does in the Wire step for a detected tool nothing registered matches: register it
    (Register new) at the base URL the analysis found, and wire it. Detected name -> registered name."""
    wired: dict[str, str] = {}
    for tool in report.get("tools", []):
        base_url = str(tool.get("base_url") or "").split("?", 1)[0]
        if tool.get("suggested") or not base_url.startswith(("http://", "https://")):
            continue
        name = re.sub(r"[^a-z0-9-]+", "-", str(tool["name"]).lower()).strip("-")[:50] or "tool"
        created = client.post("/api/v1/tools", json={"name": name, "base_url": base_url,
                                                     "description": f"registered for the detected tool {tool['name']}"})
        if created.status_code in (200, 201, 409):
            wired[tool["name"]] = name
    return wired


def first_line(text: Any) -> str:
    """The first line of a message; when it only introduces what follows (ends with ':'), the first
    later line that names an error (an installer's `error:`, an `...Error:`), else the next line."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    if not lines:
        return ""
    if not lines[0].endswith(":") or len(lines) == 1:
        return lines[0][:200]
    named = [line for line in lines[1:] if re.match(r"(error|\w*(Error|Exception)):", line)]
    return f"{lines[0]} {(named or lines[1:])[0]}"[:200]


def answered(status: int, body: Any) -> bool:
    if status != 200 or not isinstance(body, dict):
        return False
    response = body.get("response")
    if not isinstance(response, str) or not response.strip():
        return False
    return not REPR.search(response) and not ERROR.search(response[:200])


def run_one(client: httpx.Client, agent: dict[str, Any], mirrors: Path, timeout: float) -> Result:
    result = Result(agent["id"], agent["framework"], bool(agent.get("held_out")))
    started = time.monotonic()
    name = f"ra-{re.sub(r'[^a-z0-9-]', '-', agent['id'].lower())[:40]}-{uuid.uuid4().hex[:4]}"
    deployed = False
    try:
        with tempfile.TemporaryDirectory(prefix="real-agent-") as scratch:
            missing = materialize(agent, mirrors, Path(scratch))
            if missing:
                result.status, result.reason = "Missing", missing
                return result
            payload = zip_folder(upload_root(agent, Path(scratch)))
        created = client.post("/api/v1/analyses", files=[("files", ("upload.zip", payload, "application/zip"))])
        if created.status_code != 202:
            result.status, result.reason = f"Upload {created.status_code}", first_line(created.text)
            return result
        analysis = poll(client, f"/api/v1/analyses/{created.json()['id']}", ("succeeded", "failed"), timeout)
        if analysis.get("status") != "succeeded":
            result.status = "Analysis failed"
            result.reason = first_line(analysis.get("error") or analysis.get("message"))
            return result
        report = analysis.get("report") or {}
        entry = report.get("entry_point") or {}
        result.entry = first_line(json.dumps(entry))
        tier = (report.get("tier") or {}).get("value")
        adapter = f"{entry.get('adapter') or '?'} {entry.get('target') or ''}".strip()
        result.by = "built-in loop" if tier != "custom" else adapter
        tools, models = wiring(report)
        registered = register_unmatched_tools(client, report)
        if registered:
            tools.update(registered)
            result.notes.append("registered for the detected tools: " + ", ".join(sorted(registered.values())))
        body = {"name": name, "analysis_id": analysis["id"], "tools": tools, "models": models,
                "access": {"mode": "open"}}
        response = client.post("/api/v1/agents", json=body)
        if response.status_code != 202:
            problem = response.json() if "json" in response.headers.get("content-type", "") else {}
            result.status = f"Deploy {response.status_code}"
            said = problem.get("detail") if isinstance(problem, dict) else None
            result.reason = first_line(said) or first_line(response.text)
            result.detail = response.text[:4000]
            return result
        deployed = True
        remaining = max(10.0, timeout - (time.monotonic() - started))
        state = poll(client, f"/api/v1/agents/{name}", ("Running", "Failed"), remaining)
        result.status = state.get("status", "")
        if result.status != "Running":
            result.reason = first_line(state.get("message"))
            result.detail = str(state.get("message") or "")[:4000]
            return result
        invoked = client.post(f"/api/v1/agents/{name}/invoke", json={"message": agent["probe"]}, timeout=300)
        result.http = invoked.status_code
        try:
            answer = invoked.json()
        except ValueError:
            answer = invoked.text
        result.answered = answered(invoked.status_code, answer)
        if isinstance(answer, dict) and invoked.status_code != 200 and answer.get("run_id"):
            # The invoke's problem points at the run's timeline, where the agent's own error is.
            for _ in range(20):  # the runs service records the failure shortly after the answer
                run = client.get(f"/api/v1/runs/{answer['run_id']}")
                if run.status_code == 200 and run.json().get("error"):
                    answer = {**answer, "detail": f"run error: {run.json()['error']}"}
                    break
                time.sleep(0.5)
        if isinstance(answer, dict):
            text = answer.get("response") if invoked.status_code == 200 else answer.get("detail", answer)
        else:
            text = answer
        result.response = " ".join(str(text if text is not None else "").split())[:100]
        if not result.answered:
            result.detail = json.dumps(answer)[:4000] if isinstance(answer, dict) else str(answer)[:4000]
        return result
    except httpx.HTTPError as exc:
        result.status = result.status or "Error"
        result.reason = f"{type(exc).__name__}: {exc}"
        return result
    finally:
        result.seconds = round(time.monotonic() - started, 1)
        if deployed:
            try:
                client.delete(f"/api/v1/agents/{name}")
            except httpx.HTTPError as exc:
                result.notes.append(f"delete failed: {exc}")


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: list[Result]) -> str:
    lines = ["| id | framework | held out | status | answered | by | response (first 100 chars) / reason | s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        shown = r.response if r.status == "Running" else r.reason
        if r.status == "Running" and r.http != 200:
            shown = f"HTTP {r.http}: {r.response}"
        lines.append(f"| {r.id} | {r.framework} | {'yes' if r.held_out else 'no'} | {cell(r.status)} | "
                     f"{'yes' if r.answered else 'no'} | {cell(r.by)} | {cell(shown)} | {r.seconds:.0f} |")
    return "\n".join(lines)


def summary(results: list[Result], label: str) -> str:
    running = sum(r.status == "Running" for r in results)
    own = sum(r.answered and r.by != "built-in loop" for r in results)
    return (f"{label}: {running} of {len(results)} Running, {sum(r.answered for r in results)} answered "
            f"({own} by the agent's own code)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated agent ids")
    parser.add_argument("--include-held-out", action="store_true")
    parser.add_argument("--url", help="a running platform; default: start one in dev mode")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per agent until Running or Failed")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--list", type=Path, default=LIST)
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()

    agents = load_agents(args.list)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {a["id"] for a in agents}
        if unknown:
            parser.error(f"unknown ids: {', '.join(sorted(unknown))}")
        agents = [a for a in agents if a["id"] in wanted]
    if not args.include_held_out:
        agents = [a for a in agents if not a.get("held_out")]

    platform = None
    scratch = None
    url = args.url
    # A platform given by --url takes the key the CLI would send (RUNAGENTS_API_KEY, `runagents login`'s, dev
    # mode's admin.key on loopback); one started here, the key it was started with.
    headers: dict[str, str] = {}
    if url:
        from runagents.platform_client import find_api_key

        key = find_api_key(url)
        headers = {"authorization": f"Bearer {key.value}"} if key else {}
    if not url:
        from runagents.processes import start_dev

        scratch = tempfile.TemporaryDirectory(prefix="runagents-real-agents-")
        platform = start_dev(Path(scratch.name))
        url = platform.base_url
        headers = platform.admin_headers
        print(f"platform (dev) at {url}, data dir {scratch.name}", flush=True)
    results: list[Result] = []
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=60) as client:
            for agent in agents:
                print(f"-- {agent['id']} ({agent['framework']}) ...", flush=True)
                result = run_one(client, agent, args.mirrors, args.timeout)
                results.append(result)
                print(f"   {result.status} answered={result.answered} {result.seconds:.0f}s "
                      f"{result.reason or result.response}", flush=True)
                if args.json:
                    args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    finally:
        if platform is not None:
            platform.stop()
        if scratch is not None:
            scratch.cleanup()
    print()
    print(table(results))
    print()
    print(summary([r for r in results if not r.held_out], "Not held out"))
    if args.include_held_out:
        print(summary([r for r in results if r.held_out], "Held out"))


if __name__ == "__main__":
    main()
