"""pyproject.toml: PEP 621 dependencies, Poetry's (constraints translated to PEP 440), the sources
and indexes a tool section may add, and whether the upload itself is a project that can be installed."""

import tomllib
from collections.abc import Mapping
from typing import Any

from ..linear_regex import compile_linear
from .references import PyPI, Reference, Refused, classify, inside_upload

VERSION_NUMBERS = compile_linear(r"^\d+(\.\d+)*$")
SEPARATORS = compile_linear(r"[-.]+")

OUTSIDE_SOURCE = "sets where packages come from; the platform installs only from PyPI and from the upload"


def _bump(parts: list[int], position: int) -> str:
    bumped = [*parts[:position], parts[position] + 1]
    return ".".join(str(p) for p in bumped + [0] * (max(len(parts), 2) - len(bumped)))


def _poetry_constraint(constraint: str) -> str | None:
    """A Poetry constraint as a PEP 440 specifier ('' for any version); None for what PEP 440 cannot say (||)."""
    if "||" in constraint or "|" in constraint:
        return None
    specifiers: list[str] = []
    for part in (p.strip() for p in constraint.split(",")):
        if part in ("", "*"):
            continue
        caret, tilde = part.startswith("^"), part.startswith("~") and not part.startswith("~=")
        if caret or tilde:
            version = part[1:].strip()
            if not VERSION_NUMBERS.match(version):
                return None
            numbers = [int(n) for n in version.split(".")]
            if caret:
                position = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
            else:
                position = 1 if len(numbers) > 1 else 0
                position = min(position, len(numbers) - 1)
            specifiers.append(f">={version},<{_bump(numbers, position)}")
        elif part[0].isdigit():
            specifiers.append(f"=={part}")
        else:
            specifiers.append(part.replace(" ", ""))
    return ",".join(specifiers)


def poetry_requirement(name: str, value: Any, files: Mapping[str, bytes]) -> Reference | None:
    """One entry of [tool.poetry.dependencies]; None for an optional one (an extra) and for python."""
    if name.lower() == "python":
        return None
    if isinstance(value, list):  # multiple constraints by marker: the first applies as a whole
        value = value[0] if value else "*"
    if isinstance(value, str):
        value = {"version": value}
    if not isinstance(value, dict) or value.get("optional") is True:
        return None
    for key in ("git", "url"):
        if key in value:
            return Refused(f"{name} = {{{key} = {value[key]!r}}}",
                           "is a VCS or URL dependency; the platform installs only from PyPI and from the upload")
    if "path" in value:
        return classify(str(value["path"]), ".", files)
    if "source" in value:
        return Refused(f"{name} = {{source = {value['source']!r}}}", OUTSIDE_SOURCE)
    specifier = _poetry_constraint(str(value.get("version", "*")))
    extras = value.get("extras")
    text = name + (f"[{','.join(extras)}]" if isinstance(extras, list) and extras else "") + (specifier or "")
    markers = value.get("markers")
    return PyPI(text + (f" ; {markers}" if isinstance(markers, str) and markers else ""))


def _uv_sources(data: dict[str, Any], files: Mapping[str, bytes]) -> list[Refused]:
    uv = data.get("tool", {}).get("uv", {})
    refused: list[Refused] = []
    if not isinstance(uv, dict):
        return refused
    for key in ("index-url", "extra-index-url", "find-links", "index"):
        if uv.get(key):
            refused.append(Refused(f"[tool.uv] {key} = {uv[key]!r}", OUTSIDE_SOURCE))
    sources = uv.get("sources", {})
    for name, source in (sources.items() if isinstance(sources, dict) else []):
        for entry in source if isinstance(source, list) else [source]:
            if not isinstance(entry, dict) or entry.get("workspace") is True:
                continue
            if "path" in entry:
                if inside_upload(".", str(entry["path"])) is None:
                    refused.append(Refused(f"[tool.uv.sources] {name} = {{path = {entry['path']!r}}}",
                                           "is a path outside the upload"))
            else:
                refused.append(Refused(f"[tool.uv.sources] {name} = {entry!r}", OUTSIDE_SOURCE))
    return refused


def _poetry_sources(data: dict[str, Any]) -> list[Refused]:
    """A package index other than PyPI (an explicit one is used only by dependencies that name it,
    and those are refused one by one)."""
    sources = data.get("tool", {}).get("poetry", {}).get("source", [])
    return [Refused(f"[[tool.poetry.source]] {source.get('name')} = {source.get('url')!r}", OUTSIDE_SOURCE)
            for source in (sources if isinstance(sources, list) else [])
            if isinstance(source, dict) and source.get("priority") != "explicit"]


def read_pyproject(text: str, files: Mapping[str, bytes]) -> tuple[list[Reference], list[Refused], bool]:
    """(the dependencies it declares, what it refuses, whether it declares any dependencies at all)."""
    try:
        data = tomllib.loads(text)
    except ValueError as exc:
        return [], [Refused("pyproject.toml", f"cannot be read as TOML: {exc}")], False
    references: list[Reference] = []
    project = data.get("project", {})
    dependencies = project.get("dependencies") if isinstance(project, dict) else None
    declared = isinstance(dependencies, list)
    for line in dependencies if isinstance(dependencies, list) else []:
        if isinstance(line, str):
            references.append(classify(line, ".", files))
    poetry = data.get("tool", {}).get("poetry", {})
    poetry_dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(poetry_dependencies, dict) and not dependencies:
        declared = True
        for name, value in poetry_dependencies.items():
            reference = poetry_requirement(str(name), value, files)
            if reference is not None:
                references.append(reference)
    refused = _uv_sources(data, files) + _poetry_sources(data)
    return references, refused, declared


def _project_name(data: dict[str, Any]) -> str:
    project, poetry = data.get("project", {}), data.get("tool", {}).get("poetry", {})
    name = (project.get("name") if isinstance(project, dict) else None) or (
        poetry.get("name") if isinstance(poetry, dict) else None)
    return SEPARATORS.sub("_", str(name or "")).lower()


def is_installable_project(text: str, files: Mapping[str, bytes]) -> bool:
    """The upload is a project of its own that a build can find: a build system (or [project]) and
    a src/ package, a package or module named like the project, packages it names, or a setup.py.
    (Many apps declare a build system with nothing for it to build: installing them would fail.)"""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    tool = data.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    if isinstance(poetry, dict) and poetry.get("package-mode") is False:
        return False
    if "build-system" not in data and "project" not in data:
        return False
    name = _project_name(data)
    lowered = {path.lower() for path in files}
    return (
        any(p.startswith("src/") and p.endswith("/__init__.py") for p in files)
        or (bool(name) and (f"{name}/__init__.py" in lowered or f"{name}.py" in lowered))
        or (isinstance(poetry, dict) and "packages" in poetry)
        or (isinstance(tool, dict) and ("setuptools" in tool or "hatch" in tool) and "build-system" in data)
        or "setup.py" in files
    )
