"""requirements*.txt as pip reads it: -r and -c of other files inside the upload, -e and paths of
projects inside the upload; index and link options refused (they would install from elsewhere)."""

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..linear_regex import compile_linear
from .references import Local, PyPI, Refused, classify, inside_upload

INCLUDE_OPTIONS = ("-r", "--requirement")
CONSTRAINT_OPTIONS = ("-c", "--constraint")
EDITABLE_OPTIONS = ("-e", "--editable")
REFUSED_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--index",
                   "--no-index", "--extra-index")
HARMLESS_OPTIONS = ("--pre", "--prefer-binary", "--only-binary", "--no-binary", "--require-hashes",
                    "--use-feature", "--upgrade-strategy", "--no-deps")
COMMENT = compile_linear(r"(^|\s)#.*$")
HASH = compile_linear(r"\s--hash[=\s]\S+")
MAX_INCLUDES = 32


@dataclass
class ReadRequirements:
    requirements: list[tuple[str, int, PyPI]] = field(default_factory=list)
    constraints: list[tuple[str, int, PyPI]] = field(default_factory=list)
    projects: list[tuple[str, int, Local]] = field(default_factory=list)
    refused: list[tuple[str, int, Refused]] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        line = pending + raw
        pending = ""
        line = COMMENT.sub("", line).strip()
        line = HASH.sub("", " " + line).strip()
        if line:
            lines.append((start, line))
    return lines


def _option(line: str) -> tuple[str, str]:
    """('-r', 'base.txt') from '-r base.txt', '-rbase.txt' or '--requirement=base.txt'."""
    if line.startswith("--"):
        name, _, value = line.partition("=") if "=" in line.split(" ", 1)[0] else line.partition(" ")
        return name.strip(), value.strip()
    return line[:2], line[2:].strip()


def read_requirements(path: str, files: Mapping[str, bytes], result: ReadRequirements | None = None,
                      constraints: bool = False, seen: set[str] | None = None) -> ReadRequirements:
    result = result if result is not None else ReadRequirements()
    seen = seen if seen is not None else set()
    if path in seen or len(seen) >= MAX_INCLUDES:
        return result
    seen.add(path)
    base = posixpath.dirname(path)
    for number, line in _logical_lines(files[path].decode("utf-8", errors="replace")):
        if line.startswith("-"):
            name, value = _option(line)
            if name in INCLUDE_OPTIONS or name in CONSTRAINT_OPTIONS:
                target = inside_upload(base, value)
                if target is None or target not in files:
                    where = "outside the upload" if target is None else "not in the upload"
                    result.refused.append((path, number, Refused(line, f"includes a file {where}")))
                    continue
                read_requirements(target, files, result, constraints or name in CONSTRAINT_OPTIONS, seen)
                continue
            if name in EDITABLE_OPTIONS:
                reference = classify(value, base, files)
                if isinstance(reference, PyPI):
                    reference = Refused(line, "is an editable requirement that names no path in the upload")
            elif name in REFUSED_OPTIONS:
                result.refused.append((path, number, Refused(
                    line, "sets where packages come from; the platform installs only from PyPI and from the upload")))
                continue
            elif name in HARMLESS_OPTIONS:
                continue
            else:
                refused = Refused(line, "is an installer option the platform does not take")
                result.refused.append((path, number, refused))
                continue
        else:
            reference = classify(line, base, files)
        if isinstance(reference, Refused):
            result.refused.append((path, number, reference))
        elif isinstance(reference, Local):
            result.projects.append((path, number, reference))
        elif constraints:
            result.constraints.append((path, number, reference))
        else:
            result.requirements.append((path, number, reference))
    return result
