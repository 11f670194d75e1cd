"""The command line's own configuration: the API key `runagents login` stored for each platform address.

One TOML file, ``$XDG_CONFIG_HOME/runagents/config.toml`` (``~/.config/runagents/config.toml`` by default),
readable by its owner only, in a folder readable by its owner only::

    [platforms."http://127.0.0.1:8000"]
    api_key = "ra_..."
"""

import json
import os
import tomllib
from pathlib import Path

import httpx

CONFIG_FILE = "config.toml"


class ConfigError(RuntimeError):
    """The configuration file cannot be read or written; the message names it."""


def config_path() -> Path:
    """Where the configuration lives (XDG base directory rules)."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "runagents" / CONFIG_FILE


def platform_address(url: str) -> str:
    """``url`` as the configuration names a platform: scheme, host and port, lower case, no trailing slash."""
    parsed = httpx.URL(url.strip())
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{host}{port}{parsed.path.rstrip('/')}"


def stored_key(url: str) -> str | None:
    """The API key stored for the platform at ``url``, or None."""
    entry = _platforms().get(platform_address(url))
    key = entry.get("api_key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) and key else None


def store_key(url: str, key: str) -> Path:
    """Keep ``key`` as the one for the platform at ``url``; returns the file it is in."""
    platforms = _platforms()
    platforms[platform_address(url)] = {"api_key": key}
    return _write(platforms)


def forget_key(url: str) -> bool:
    """Remove the key stored for the platform at ``url``; False if there was none."""
    platforms = _platforms()
    if platforms.pop(platform_address(url), None) is None:
        return False
    _write(platforms)
    return True


def _platforms() -> dict[str, object]:
    path = config_path()
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    platforms = document.get("platforms", {})
    if not isinstance(platforms, dict):
        raise ConfigError(f"cannot read {path}: `platforms` is not a table")
    return platforms


def _write(platforms: dict[str, object]) -> Path:
    path = config_path()
    lines = ["# Written by `runagents login`: one API key per platform address. Keep this file private."]
    for address, entry in sorted(platforms.items()):
        if isinstance(entry, dict) and isinstance(entry.get("api_key"), str):
            # A JSON string (ASCII, \" and \\ escaped) is a valid TOML basic string.
            lines += ["", f"[platforms.{json.dumps(address)}]", f"api_key = {json.dumps(entry['api_key'])}"]
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        # Owner-only from the moment it exists, and whole or not at all.
        scratch = path.with_name(f".{CONFIG_FILE}.{os.getpid()}.tmp")
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(scratch, 0o600)
        os.replace(scratch, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
