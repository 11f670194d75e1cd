"""How the command line talks to the platform's API: with which API key, and what a refusal tells the person.

The key, first found first used: ``RUNAGENTS_API_KEY``; the key ``runagents login`` stored for the platform's
address; and, only for a loopback address, dev mode's admin key in its data dir (``--data-dir``, else
``$RUNAGENTS_DATA_DIR``, else ``.runagents``), so ``make dev`` then ``runagents deploy`` works with no set-up.
No ``--api-key`` option: a command line is readable by every user of the machine (``ps``) and kept in history.
"""

import ipaddress
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx

from runagents.client_config import config_path, stored_key
from runagents_common.settings import DEV_ADMIN_KEY_FILE

API_KEY_ENV = "RUNAGENTS_API_KEY"


@dataclass(frozen=True)
class ApiKey:
    value: str
    source: str
    """Where it was found, as a message names it (never the key itself)."""


def fail(message: str) -> NoReturn:
    """End the command: ``message`` on stderr, exit code 1."""
    # A progress line may be open on a terminal: end it before the error.
    print(f"\n{message}" if sys.stdout.isatty() else message, file=sys.stderr)
    raise SystemExit(1)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (localhost, 127.0.0.0/8, ::1): only there is dev mode's key sent."""
    host = httpx.URL(url).host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dev_data_dir(data_dir: Path | None) -> Path:
    return data_dir or Path(os.environ.get("RUNAGENTS_DATA_DIR") or ".runagents")


def find_api_key(url: str, data_dir: Path | None = None) -> ApiKey | None:
    """The key to send to the platform at ``url``, or None when none is given anywhere."""
    from_env = os.environ.get(API_KEY_ENV, "").strip()
    if from_env:
        return ApiKey(from_env, API_KEY_ENV)
    stored = stored_key(url)
    if stored:
        return ApiKey(stored, f"`runagents login` in {config_path()}")
    if is_loopback(url):
        path = dev_data_dir(data_dir) / DEV_ADMIN_KEY_FILE
        try:
            dev_key = path.read_text().strip()
        except (OSError, UnicodeDecodeError):
            return None
        if dev_key:
            return ApiKey(dev_key, f"dev mode's {path}")
    return None


def problem_detail(response: httpx.Response) -> str:
    """What a refusal says: its problem+json ``detail``, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return response.text[:200] or f"HTTP {response.status_code}"


def login_hint(url: str) -> str:
    return f"run `runagents login --url {url}` or set {API_KEY_ENV}"


def refusal_message(command: str, url: str, key: ApiKey | None, response: httpx.Response) -> str:
    """The line a 401 or 403 ends ``command`` with: what to do about a missing or refused key, the role needed."""
    detail = problem_detail(response)
    if response.status_code == 403:
        return f"{command}: refused: {detail}"
    if key is None:
        return f"{command}: the platform at {url} needs an API key: {login_hint(url)}"
    return f"{command}: the platform at {url} refused the API key from {key.source} ({detail}): {login_hint(url)}"


def platform_client(url: str, command: str, key: ApiKey | None, *, timeout: httpx.Timeout | float = 60,
                    end_on_refusal: bool = True) -> httpx.Client:
    """A client of the platform's API sending ``key``; a 401 or 403 answer ends ``command`` with what to do
    (unless ``end_on_refusal`` is false: the caller reads the refusal itself)."""
    hooks: dict[str, list[Callable[[Any], Any]]] = {}
    if end_on_refusal:
        def end_if_refused(response: httpx.Response) -> None:
            if response.status_code in (401, 403):
                response.read()
                fail(refusal_message(command, url, key, response))

        hooks["response"] = [end_if_refused]
    headers = {"authorization": f"Bearer {key.value}"} if key is not None else None
    return httpx.Client(base_url=url.rstrip("/"), timeout=timeout, headers=headers, event_hooks=hooks)
