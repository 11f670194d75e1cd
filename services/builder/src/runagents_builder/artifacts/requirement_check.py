"""The builder's own check of every line it installs (it never trusts the install plan it is given):
a requirement is a PEP 508 name with optional extras, version specifiers and environment marker, and
nothing else (no URL, no path, no installer option); a project is a relative path that resolves inside
the build's copy of the upload. `packaging` is not in the builder's environment: a strict grammar here,
compiled by RE2 (the lines come from uploads: a backtracking engine would let a long crafted line
stall the builder)."""

from pathlib import Path

import re2
from runagents_contracts.install_plan import ARCHIVE_SUFFIXES, PROJECT_FILES

from runagents_builder.artifacts.base import BuildError

NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
EXTRAS = rf"\[\s*(?:{NAME}(?:\s*,\s*{NAME})*)?\s*\]"
VERSION = r"[A-Za-z0-9.*+!_-]+"
SPECIFIER = rf"(?:~=|===|==|!=|<=|>=|<|>)\s*{VERSION}"
SPECIFIERS = rf"{SPECIFIER}(?:\s*,\s*{SPECIFIER})*"
REQUIREMENT = re2.compile(
    rf"(?P<name>{NAME})[ \t]*(?:{EXTRAS})?[ \t]*(?:{SPECIFIERS}|\([ \t]*{SPECIFIERS}[ \t]*\))?[ \t]*"
    r"(?:;(?P<marker>.*))?"
)
MARKER_VARIABLES = frozenset({
    "python_version", "python_full_version", "os_name", "sys_platform", "platform_release", "platform_system",
    "platform_version", "platform_machine", "platform_python_implementation", "implementation_name",
    "implementation_version", "extra", "os.name", "sys.platform", "platform.version", "platform.machine",
    "platform.python_implementation", "python_implementation",
})
MARKER_TOKEN = re2.compile(r"""\s*(?:(?P<string>'[^'\\\n]*'|"[^"\\\n]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|\(|\))"""
                          r"""|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))""")
MARKER_WORDS = frozenset({"and", "or", "in", "not"})
PROJECT = re2.compile(rf"(?P<path>[A-Za-z0-9._+/-]+)(?P<extras>{EXTRAS})?")


def _marker_is_plain(marker: str) -> bool:
    position = 0
    while position < len(marker):
        if not marker[position:].strip():
            return True
        token = MARKER_TOKEN.match(marker, position)
        if token is None:
            return False
        word = token.group("word")
        if word is not None and word not in MARKER_VARIABLES and word not in MARKER_WORDS:
            return False
        position = token.end()
    return True


def check_requirement(line: str, what: str = "requirement") -> str:
    """`line` itself when it names a distribution from PyPI and nothing else; BuildError otherwise."""
    stripped = line.strip()
    match = REQUIREMENT.fullmatch(stripped)
    marker = match.group("marker") if match else None
    if match is None or "\n" in stripped or (marker is not None and not (marker.strip() and _marker_is_plain(marker))):
        raise BuildError(f"the install plan's {what} {line!r} is not a plain PyPI requirement (a name with "
                         "optional extras, versions and marker; no URL, path or option): not installed")
    return stripped


def check_project(root: Path, project: str) -> tuple[Path, str]:
    """(the project's absolute path inside `root`, its extras) for a project of the plan written as
    `relative/path[extras]`; BuildError when it is not a project or archive inside the upload's copy."""
    match = PROJECT.fullmatch(project.strip())
    if match is None or match.group("path").startswith("/"):
        raise BuildError(f"the install plan's project {project!r} is not a relative path inside the upload: "
                         "not installed")
    base = root.resolve()
    target = (root / match.group("path")).resolve()  # follows symlinks: one pointing out is outside
    if not target.is_relative_to(base):
        raise BuildError(f"the install plan's project {project!r} resolves outside the upload: not installed")
    is_project = target.is_dir() and any((target / name).is_file() for name in PROJECT_FILES)
    is_archive = target.is_file() and target.name.endswith(ARCHIVE_SUFFIXES)
    if not (is_project or is_archive):
        raise BuildError(f"the install plan's project {project!r} is not a Python project or package archive "
                         "in the upload: not installed")
    return target, match.group("extras") or ""
