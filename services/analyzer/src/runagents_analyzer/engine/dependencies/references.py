"""One requirement as a manifest writes it: a PyPI requirement, a path inside the upload, or a
reference the platform refuses (anything that would install from somewhere else than PyPI and the upload)."""

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from runagents_contracts.install_plan import ARCHIVE_SUFFIXES, PROJECT_FILES

from ..linear_regex import compile_linear

NAME = compile_linear(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
REQUIREMENT = compile_linear(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(\[[A-Za-z0-9._,\s-]*\])?\s*[^@]*?(;.*)?$"
)
DRIVE = compile_linear(r"^[A-Za-z]:")
LOCAL_EXTRAS = compile_linear(r"^(.*?)(\[[A-Za-z0-9._,\s-]*\])$")
VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+", "git://", "git@")


@dataclass(frozen=True)
class PyPI:
    """A requirement installed from PyPI: `name[extras] specifier ; marker`."""

    text: str


@dataclass(frozen=True)
class Local:
    """A project folder or an archive inside the upload (a path relative to the upload root), with
    the extras asked of it (`[server]`, or "")."""

    path: str
    extras: str = ""


@dataclass(frozen=True)
class Refused:
    text: str
    reason: str


Reference = PyPI | Local | Refused


def requirement_name(text: str) -> str | None:
    match = NAME.match(text.strip())
    return match.group(0) if match else None


def inside_upload(base: str, target: str) -> str | None:
    """`target` (relative to the upload folder `base`) as a path relative to the upload root, or
    None when it leaves the upload: an absolute path, a home path, or one that climbs out with ..."""
    if not target or target.startswith(("/", "~", "\\")) or DRIVE.match(target):
        return None
    joined = posixpath.normpath(posixpath.join(base or ".", target.replace("\\", "/")))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


def _local(base: str, target: str, files: Mapping[str, bytes], text: str) -> Reference:
    extras = ""
    match = LOCAL_EXTRAS.match(target)
    if match:
        target, extras = match.group(1), match.group(2)
    path = inside_upload(base, target)
    if path is None:
        return Refused(text, "is a path outside the upload; only paths inside the upload can be installed")
    if path in files and path.endswith(ARCHIVE_SUFFIXES):
        return Local(path, extras)
    prefix = "" if path == "." else path + "/"
    if any(prefix + name in files for name in PROJECT_FILES):
        return Local(path, extras)
    return Refused(text, "names a path that is not a Python project or package archive in the upload")


def looks_like_path(text: str) -> bool:
    return text.startswith((".", "/", "~")) or "/" in text or "\\" in text or text.endswith(ARCHIVE_SUFFIXES)


def classify(text: str, base: str, files: Mapping[str, bytes]) -> Reference:
    """What one requirement (without options, comments, or hashes) refers to; `base` is the folder
    of the manifest that names it, relative to the upload root."""
    text = text.strip()
    lowered = text.lower()
    if lowered.startswith(VCS_PREFIXES):
        return Refused(text, "is a VCS URL; the platform installs only from PyPI and from the upload")
    if lowered.startswith("file:"):
        return Refused(text, "is a file: URL; name a path inside the upload instead")
    if "://" in text.split(";", 1)[0].split(" ", 1)[0]:
        return Refused(text, "is a URL; the platform installs only from PyPI and from the upload")
    if "@" in text.split(";", 1)[0] and NAME.match(text):
        target = text.split("@", 1)[1].strip().split(";", 1)[0].strip().lower()
        if target.startswith(VCS_PREFIXES):
            return Refused(text, "points at a VCS URL; the platform installs only from PyPI and from the upload")
        if target.startswith("file:"):
            return Refused(text, "points at a file: URL; name a path inside the upload instead")
        return Refused(text, "points at a URL; the platform installs only from PyPI and from the upload")
    if looks_like_path(text):
        return _local(base, text, files, text)
    if REQUIREMENT.match(text):
        return PyPI(text)
    return Refused(text, "is not a requirement the platform can read")
