"""Lock files, read as the exact versions to install: poetry.lock, Pipfile.lock and pylock.toml
become pinned requirements; uv.lock is exported by uv itself (the builder runs `uv export`), and
only checked here for packages that would come from elsewhere than PyPI and the upload."""

import json
import tomllib
from collections.abc import Mapping
from typing import Any

from .references import Local, PyPI, Reference, Refused, classify, inside_upload

PYPI_INDEXES = ("https://pypi.org/simple", "https://pypi.python.org/simple")
ELSEWHERE = "comes from elsewhere than PyPI and the upload"


def _is_pypi(url: object) -> bool:
    return isinstance(url, str) and url.rstrip("/").startswith(PYPI_INDEXES)


def _pinned(name: str, version: object, marker: object = None, extras: object = None) -> PyPI:
    extra = f"[{','.join(str(e) for e in extras)}]" if isinstance(extras, list) and extras else ""
    text = f"{name}{extra}=={version}"
    return PyPI(text + (f" ; {marker}" if isinstance(marker, str) and marker else ""))


def _toml(text: str) -> dict[str, Any] | Refused:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Refused("the lock file", f"cannot be read: {exc}")


def uv_lock(text: str, files: Mapping[str, bytes]) -> list[Reference]:
    """The packages of uv.lock that would come from elsewhere (refused) or from the upload (local)."""
    data = _toml(text)
    if isinstance(data, Refused):
        return [data]
    found: list[Reference] = []
    for package in data.get("package", []):
        source = package.get("source", {}) if isinstance(package, dict) else {}
        name = f"{package.get('name')}=={package.get('version')}"
        if not isinstance(source, dict):
            continue
        if "registry" in source and not _is_pypi(source["registry"]):
            found.append(Refused(f"{name} from {source['registry']}", ELSEWHERE))
        elif any(key in source for key in ("git", "url")):
            found.append(Refused(f"{name} from {source.get('git') or source.get('url')}", ELSEWHERE))
        else:
            path = source.get("editable") or source.get("directory") or source.get("path") or source.get("virtual")
            if isinstance(path, str) and inside_upload(".", path) is None:
                found.append(Refused(f"{name} from {path}", "is a path outside the upload"))
    return found


def poetry_lock(text: str, files: Mapping[str, bytes]) -> list[Reference]:
    """The main group's packages, each at its locked version (optional ones are extras: left out)."""
    data = _toml(text)
    if isinstance(data, Refused):
        return [data]
    found: list[Reference] = []
    for package in data.get("package", []):
        if not isinstance(package, dict) or package.get("optional") is True:
            continue
        groups = package.get("groups")
        if package.get("category", "main") != "main" or (isinstance(groups, list) and "main" not in groups):
            continue
        name, version = str(package.get("name")), package.get("version")
        source = package.get("source")
        if isinstance(source, dict) and source.get("type") in ("directory", "file"):
            found.append(classify(str(source.get("url")), ".", files))
        elif isinstance(source, dict) and source.get("type") not in (None, "pypi"):
            found.append(Refused(f"{name}=={version} from {source.get('url')}", ELSEWHERE))
        else:
            markers = package.get("markers")
            found.append(_pinned(name, version, markers.get("main") if isinstance(markers, dict) else markers))
    return found


def pipfile_lock(text: str, files: Mapping[str, bytes]) -> list[Reference]:
    """The "default" section (the packages the app runs with; "develop" is for its developers)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [Refused("Pipfile.lock", f"cannot be read: {exc}")]
    found: list[Reference] = []
    sources = data.get("_meta", {}).get("sources", [])
    for source in sources if isinstance(sources, list) else []:
        if isinstance(source, dict) and not _is_pypi(source.get("url")):
            found.append(Refused(f"source {source.get('name')} = {source.get('url')}", ELSEWHERE))
    default = data.get("default", {})
    for name, entry in (default.items() if isinstance(default, dict) else []):
        if not isinstance(entry, dict):
            continue
        if "path" in entry:
            found.append(classify(str(entry["path"]), ".", files))
        elif any(key in entry for key in ("git", "hg", "svn", "file")):
            target = entry.get("git") or entry.get("hg") or entry.get("svn") or entry.get("file")
            found.append(Refused(f"{name} from {target}", ELSEWHERE))
        elif isinstance(entry.get("version"), str) and entry["version"].startswith("=="):
            found.append(_pinned(name, entry["version"][2:], entry.get("markers"), entry.get("extras")))
        else:
            found.append(PyPI(name))
    return found


def pylock(text: str, files: Mapping[str, bytes]) -> list[Reference]:
    """PEP 751: every package at its version; a package only for a dependency group (development) left out."""
    data = _toml(text)
    if isinstance(data, Refused):
        return [data]
    found: list[Reference] = []
    for package in data.get("packages", []):
        if not isinstance(package, dict):
            continue
        name, version, marker = str(package.get("name")), package.get("version"), package.get("marker")
        if isinstance(marker, str) and ("dependency_groups" in marker or "extras" in marker):
            continue
        if "vcs" in package or "archive" in package:
            where = package.get("vcs") or package.get("archive")
            url = where.get("url") or where.get("path") if isinstance(where, dict) else where
            found.append(Refused(f"{name} from {url}", ELSEWHERE))
        elif "directory" in package and isinstance(package["directory"], dict):
            found.append(classify(str(package["directory"].get("path")), ".", files))
        elif package.get("index") is not None and not _is_pypi(package.get("index")):
            found.append(Refused(f"{name}=={version} from {package['index']}", ELSEWHERE))
        else:
            found.append(_pinned(name, version, marker))
    return found


def local_projects(references: list[Reference]) -> list[Local]:
    return [r for r in references if isinstance(r, Local)]
