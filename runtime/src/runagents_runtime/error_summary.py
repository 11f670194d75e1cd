"""One-line summaries of the agent code's exceptions, safe to return to a caller."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from pathlib import Path

_SECRET_NAME_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")
_MIN_SECRET_LENGTH = 6
_RUNTIME_DIR = str(Path(__file__).parent)
REDACTED = "***"


def summarize_exception(exc: BaseException, environ: Mapping[str, str]) -> str:
    """Return `Type: message (at file, line N, in function)` for the innermost frame of the agent's code.

    Frames of the runtime and of the import machinery are skipped; values of secret-looking
    environment variables are redacted from the result.
    """
    summary = f"{type(exc).__name__}: {exc}"
    location = _innermost_location(exc)
    if location:
        summary += f" (at {location})"
    return redact_secrets(summary, environ)


def redact_secrets(text: str, environ: Mapping[str, str]) -> str:
    """Replace the values of environment variables whose names look secret."""
    for name, value in environ.items():
        if len(value) >= _MIN_SECRET_LENGTH and any(marker in name.upper() for marker in _SECRET_NAME_MARKERS):
            text = text.replace(value, REDACTED)
    return text


def _innermost_location(exc: BaseException) -> str | None:
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(("<frozen", _RUNTIME_DIR)) and "importlib" not in frame.filename
    ]
    if frames:
        frame = frames[-1]
        return f"{_display_path(frame.filename)}, line {frame.lineno}, in {frame.name}"
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{_display_path(exc.filename)}, line {exc.lineno}"
    return None


def _display_path(filename: str) -> str:
    try:
        return str(Path(filename).relative_to(Path.cwd()))
    except ValueError:
        return filename
