"""One-line summaries of the agent code's exceptions, safe to send to a caller (standard library only).

The innermost frame of the agent's own code, and the values of secret-looking environment variables
redacted. The server redacts again what it passes on, with `redact_secrets` from here and its own
environment (which holds the agent's token too).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Mapping

_SECRET_NAME_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")
_MIN_SECRET_LENGTH = 6
_AGENT_SIDE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDACTED = "***"


def summarize_exception(exc: BaseException, environ: Mapping[str, str], root: str) -> str:
    """`Type: message (at file, line N, in function)`, paths relative to `root` (the upload)."""
    summary = f"{type(exc).__name__}: {exc}"
    location = innermost_location(exc, root)
    if location:
        summary += f" (at {location})"
    return redact_secrets(summary, environ)


def redact_secrets(text: str, environ: Mapping[str, str]) -> str:
    """Replace the values of environment variables whose names look secret."""
    for name, value in environ.items():
        if len(value) >= _MIN_SECRET_LENGTH and any(marker in name.upper() for marker in _SECRET_NAME_MARKERS):
            text = text.replace(value, REDACTED)
    return text


def innermost_location(exc: BaseException, root: str) -> str | None:
    """`file, line N, in function` of the innermost frame of the agent's own code in `exc`'s traceback."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(("<frozen", _AGENT_SIDE_DIR)) and "importlib" not in frame.filename
    ]
    if frames:
        frame = frames[-1]
        return f"{_display_path(frame.filename, root)}, line {frame.lineno}, in {frame.name}"
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{_display_path(exc.filename, root)}, line {exc.lineno}"
    return None


def _display_path(filename: str, root: str) -> str:
    relative = os.path.relpath(filename, root) if os.path.isabs(filename) else filename
    return filename if relative.startswith("..") else relative
