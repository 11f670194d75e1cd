"""The set-up commands' output: ``NAME=value`` lines, printed or written to a file only its owner can read."""

import os
from pathlib import Path


def emit_env_lines(lines: list[str], env_file: Path | None) -> None:
    """Print ``lines``, or write them to ``env_file``, owner-only from the moment it exists (they hold secrets)."""
    if env_file is None:
        print("\n".join(lines))
        return
    descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write("\n".join(lines) + "\n")
    os.chmod(env_file, 0o600)  # an existing file keeps its mode through os.open
