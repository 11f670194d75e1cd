"""``runagents login``, ``logout``, ``whoami`` and ``keys``: who the command line is on the platform, and the
platform's API keys (admins make, list and revoke them)."""

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from runagents.client_config import forget_key, store_key
from runagents.platform_client import (
    ApiKey,
    fail,
    find_api_key,
    platform_client,
    problem_detail,
)

ME_PATH = "/api/v1/auth/me"
KEYS_PATH = "/api/v1/api-keys"


def describe(me: dict[str, Any]) -> str:
    """A principal as a person reads it: ``name (id), role R``."""
    name, principal_id = me.get("name", "?"), me.get("id", "?")
    who = f"{name} ({principal_id})" if name != principal_id else str(principal_id)
    return f"{who}, role {me.get('role', '?')}"


def login(url: str, key_from_stdin: bool) -> None:
    """Check a key with the platform (who is it?), then keep it for ``url``."""
    key = _read_key(url, key_from_stdin)
    if not key:
        fail("runagents login: no key given (paste it at the prompt, or pipe it in with --key-stdin)")
    with _calling("runagents login", url):
        given = ApiKey(key, "the key given")
        with platform_client(url, "runagents login", given, end_on_refusal=False) as client:
            response = client.get(ME_PATH)
        if response.status_code in (401, 403):
            fail(f"runagents login: the platform at {url} does not accept this key ({problem_detail(response)}); "
                 "nothing was stored")
        me = _answer(response, "runagents login", 200)
    path = store_key(url, key)
    print(f"signed in to {url} as {describe(me)}; the key is kept in {path} (owner-only)")


def logout(url: str) -> None:
    if forget_key(url):
        print(f"the key for {url} is no longer kept here (it still works until an admin revokes it: "
              "`runagents keys revoke PREFIX`)")
    else:
        print(f"no key was kept for {url}")


def whoami(url: str, data_dir: Path | None) -> None:
    with _calling("runagents whoami", url):
        key = find_api_key(url, data_dir)
        with platform_client(url, "runagents whoami", key) as client:
            me = _answer(client.get(ME_PATH), "runagents whoami", 200)
    source = key.source if key is not None else "nowhere: authentication is off"
    print(f"{describe(me)}, at {url} (API key from {source})")


def create_key(url: str, data_dir: Path | None, name: str, role: str, lifetime: timedelta | None) -> None:
    """Make a key; the key alone goes to stdout (``KEY=$(runagents keys create ...)``), the rest to stderr."""
    body: dict[str, Any] = {"name": name, "role": role}
    if lifetime is not None:
        body["expires_at"] = (datetime.now(UTC) + lifetime).isoformat()
    with _calling("runagents keys create", url), \
            platform_client(url, "runagents keys create", find_api_key(url, data_dir)) as client:
        made = _answer(client.post(KEYS_PATH, json=body), "runagents keys create", 201)
    print(made["key"], flush=True)
    print(f"made API key {made['prefix']} ({made['name']}, role {made['role']}, expires "
          f"{_when(made.get('expires_at'), 'never')}); it is shown this once: keep it", file=sys.stderr)


KEY_COLUMNS = (("PREFIX", "prefix"), ("NAME", "name"), ("ROLE", "role"), ("STATE", "state"),
               ("EXPIRES", "expires_at"), ("LAST USED", "last_used_at"))


def list_keys(url: str, data_dir: Path | None) -> None:
    with _calling("runagents keys list", url), \
            platform_client(url, "runagents keys list", find_api_key(url, data_dir)) as client:
        listing = _answer(client.get(KEYS_PATH), "runagents keys list", 200)
    rows = [[title for title, _ in KEY_COLUMNS]]
    for key in listing.get("items", []):
        rows.append([str(key.get(field) or "") for _, field in KEY_COLUMNS[:4]]
                    + [_when(key.get("expires_at"), "never"), _when(key.get("last_used_at"), "-")])
    widths = [max(len(row[column]) for row in rows) for column in range(len(KEY_COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def revoke_key(url: str, data_dir: Path | None, prefix: str) -> None:
    with _calling("runagents keys revoke", url), \
            platform_client(url, "runagents keys revoke", find_api_key(url, data_dir)) as client:
        revoked = _answer(client.delete(f"{KEYS_PATH}/{prefix}"), "runagents keys revoke", 200)
    print(f"revoked {revoked['prefix']} ({revoked['name']}, role {revoked['role']})")


def _read_key(url: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass(f"API key for {url}: ").strip()


def _answer(response: httpx.Response, command: str, expected: int) -> dict[str, Any]:
    """The JSON object of an ``expected`` answer; anything else ends ``command`` with the API's detail."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != expected or not isinstance(body, dict):
        if not isinstance(body, dict):
            fail(f"{command}: {response.request.url} answered {response.status_code} with no JSON object: is this "
                 "the RunAgents platform's address?")
        fail(f"{command}: {problem_detail(response)} ({response.status_code})")
    return body


@contextmanager
def _calling(command: str, url: str) -> Iterator[None]:
    """Ends ``command`` with one line when the platform cannot be reached or the URL is not one."""
    try:
        yield
    except httpx.InvalidURL as exc:
        fail(f"{command}: {url!r} is not a URL ({exc})")
    except httpx.HTTPError as exc:
        fail(f"{command}: cannot reach the platform at {url} ({type(exc).__name__}): is it running? "
             "(--url or RUNAGENTS_PLATFORM_URL names it)")


def _when(value: str | None, missing: str) -> str:
    if not value:
        return missing
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

