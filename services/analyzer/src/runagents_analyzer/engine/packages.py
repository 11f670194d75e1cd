"""Required packages: manifests first (requirements, pyproject, setup, Pipfile, package.json),
then imports mapped to distributions, without the standard library or the upload's own modules."""

import ast
import configparser
import json
import tomllib
from collections.abc import Iterable
from pathlib import PurePosixPath

from .entry_point import is_test_or_setup_file
from .import_names import (
    NAMESPACE_PACKAGES,
    distribution_for_import,
    is_standard_library,
    normalise_distribution,
    provided_by_any_of,
)
from .linear_regex import compile_linear
from .local_modules import LocalModules
from .project import Project
from .report import Ecosystem, Package, PackageSource, UnresolvedImport
from .sources import TextFile

REQUIREMENT_NAME = compile_linear(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
EGG_NAME = compile_linear(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_name(line: str) -> str | None:
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith("#"):
        return None
    egg = EGG_NAME.search(line)
    if egg is not None:
        return egg.group(1)
    if line.startswith("-") or "://" in line.split("@", 1)[0]:
        return None
    match = REQUIREMENT_NAME.match(line)
    return match.group(1) if match else None


def _is_requirements_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix in (".txt", ".in") and (
        pure.name.startswith("requirements") or (len(pure.parts) > 1 and pure.parts[-2] == "requirements")
    ) and not any(word in pure.name for word in ("dev", "test", "lint", "docs"))


def _pyproject(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    names = [requirement_name(d) for d in data.get("project", {}).get("dependencies", []) if isinstance(d, str)]
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    names += [name for name in poetry if name.lower() != "python"] if isinstance(poetry, dict) else []
    return [name for name in names if name]


def _setup_cfg(text: str) -> list[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    requires = parser.get("options", "install_requires", fallback="")
    return [name for line in requires.splitlines() if (name := requirement_name(line))]


def _pipfile(text: str) -> list[str]:
    try:
        packages = tomllib.loads(text).get("packages", {})
    except tomllib.TOMLDecodeError:
        return []
    return list(packages) if isinstance(packages, dict) else []


def _package_json(text: str) -> list[str]:
    try:
        dependencies = json.loads(text).get("dependencies", {})
    except (ValueError, AttributeError):
        return []
    return list(dependencies) if isinstance(dependencies, dict) else []


def _setup_py(project: Project, path: str) -> list[str]:
    for module in project.modules:
        if module.path != path:
            continue
        for call, scope in module.calls:
            if getattr(call.func, "id", getattr(call.func, "attr", None)) != "setup":
                continue
            requires = next((k.value for k in call.keywords if k.arg == "install_requires"), None)
            if requires is None:
                continue
            node, _ = project.resolve_node(requires, scope)
            if isinstance(node, ast.List | ast.Tuple):
                return [name for element in node.elts if isinstance(element, ast.Constant)
                        and isinstance(element.value, str) and (name := requirement_name(element.value))]
    return []


def manifest_packages(files: list[TextFile], project: Project) -> list[tuple[str, Ecosystem]]:
    found: list[tuple[str, Ecosystem]] = []
    for text_file in files:
        name = text_file.name
        if _is_requirements_file(text_file.path):
            found += [(n, "pypi") for line in text_file.lines if (n := requirement_name(line))]
        elif name == "pyproject.toml":
            found += [(n, "pypi") for n in _pyproject(text_file.text)]
        elif name == "setup.cfg":
            found += [(n, "pypi") for n in _setup_cfg(text_file.text)]
        elif name == "setup.py":
            found += [(n, "pypi") for n in _setup_py(project, text_file.path)]
        elif name == "Pipfile":
            found += [(n, "pypi") for n in _pipfile(text_file.text)]
        elif name == "package.json" and "node_modules" not in text_file.path:
            found += [(n, "npm") for n in _package_json(text_file.text)]
    return found


def import_packages(project: Project, local_modules: LocalModules,
                    declared: Iterable[str] = ()) -> tuple[list[tuple[str, Ecosystem]], list[UnresolvedImport]]:
    """Distributions the imports need, and the imports no known distribution provides (reported, not
    installed). An import named like a distribution the manifests declare is resolved by them."""
    declared_names = {normalise_distribution(name) for name in declared}
    found: list[tuple[str, Ecosystem]] = []
    unresolved: dict[str, UnresolvedImport] = {}
    for module in project.modules:
        if is_test_or_setup_file(module.path):
            continue
        local = local_modules.local_tops(module)
        for record in module.imports:
            top = record.module.split(".")[0]
            if record.optional or top in local or is_standard_library(record.module):
                continue
            distribution = distribution_for_import(record.module)
            if distribution is not None:
                found.append((distribution, "pypi"))
                continue
            parts = record.module.split(".")
            if top in NAMESPACE_PACKAGES and len(parts) == 1:
                continue  # a bare namespace names no distribution
            key = ".".join(parts[:2]) if top in NAMESPACE_PACKAGES else top
            if normalise_distribution(key) not in declared_names:
                unresolved.setdefault(key, UnresolvedImport(module=record.module, file=module.path, line=record.line))
    return found, sorted(unresolved.values(), key=lambda u: (u.file, u.line))


def merge_packages(manifest: list[tuple[str, Ecosystem]],
                   imported: list[tuple[str, Ecosystem]]) -> list[Package]:
    packages: dict[tuple[str, str], Package] = {}
    sources: list[tuple[list[tuple[str, Ecosystem]], PackageSource]] = [(manifest, "manifest"), (imported, "import")]
    for entries, source in sources:
        for name, ecosystem in entries:
            key = (ecosystem, normalise_distribution(name) if ecosystem == "pypi" else name.lower())
            if source == "import" and ecosystem == "pypi" and any(
                ("pypi", alternative) in packages for alternative in provided_by_any_of(name)
            ):
                continue
            packages.setdefault(key, Package(name=name, ecosystem=ecosystem, source=source))
    return sorted(packages.values(), key=lambda p: (p.ecosystem, normalise_distribution(p.name)))
