"""The install plan of an upload: which manifest wins, the exact requirements it gives, the projects
inside the upload to install, and what is refused.

Order of preference: a lock file (installed exactly as locked), then pyproject.toml (PEP 621 or
Poetry, plus the upload's own project when it is one), then requirements*.txt, then setup.py or
setup.cfg, else the packages the analysis found from the imports."""

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..import_names import normalise_distribution
from ..linear_regex import compile_linear
from .code_needs import era_constraints, imported_modules, needed_additions
from .locks import pipfile_lock, poetry_lock, pylock, uv_lock
from .pyproject import is_installable_project, read_pyproject
from .references import Local, Reference, Refused, classify, requirement_name
from .requirements_txt import read_requirements

UploadFiles = Mapping[str, bytes]
"""The upload's files: path relative to the upload root (posix) -> content."""

SKIPPED_REQUIREMENT_WORDS = ("dev", "test", "lint", "doc", "ci", "local")
PYLOCK = compile_linear(r"^pylock(\.[^/.]+)?\.toml$")
LOCK_NAME = compile_linear(r'(?m)^name = "([^"]+)"')


@dataclass(frozen=True)
class Refusal:
    file: str
    line: int | None
    requirement: str
    reason: str

    def describe(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.requirement!r} {self.reason}"


@dataclass
class InstallPlan:
    source: str
    """The manifest the plan comes from (a path in the upload), or "analysis"."""
    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    """Folders or archives inside the upload installed (not editable) from the upload's copy, each
    with the extras asked of it: `.`, `libs/helper[server]`."""
    uv_lock: bool = False
    """The requirements are what `uv export --frozen` of the upload gives (the builder runs it)."""
    added: list[str] = field(default_factory=list)
    """Requirements the code needs that the manifest lacks (see code_needs)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each of `added` was added."""
    declared: set[str] = field(default_factory=set)
    """Normalised names of the distributions the manifest names."""
    refused: list[Refusal] = field(default_factory=list)

    def install_lines(self) -> list[str]:
        return [*self.requirements, *self.added]


def _requirements_file(files: UploadFiles) -> str | None:
    candidates = sorted(
        path for path in files
        if "/" not in path and path.startswith("requirements") and path.endswith(".txt")
        and not any(word in path[len("requirements"):] for word in SKIPPED_REQUIREMENT_WORDS)
    )
    if "requirements.txt" in candidates:
        return "requirements.txt"
    return candidates[0] if candidates else None


def _text(files: UploadFiles, path: str) -> str:
    return files[path].decode("utf-8", errors="replace")


def _add(plan: InstallPlan, file: str, references: Iterable[Reference], line: int | None = None) -> None:
    for reference in references:
        if isinstance(reference, Refused):
            plan.refused.append(Refusal(file, line, reference.text, reference.reason))
        elif isinstance(reference, Local):
            if reference.path + reference.extras not in plan.projects:
                plan.projects.append(reference.path + reference.extras)
        else:
            plan.requirements.append(reference.text)
            name = requirement_name(reference.text)
            if name:
                plan.declared.add(normalise_distribution(name))


def _own_project(plan: InstallPlan, files: UploadFiles) -> None:
    text = _text(files, "pyproject.toml") if "pyproject.toml" in files else ""
    if text and is_installable_project(text, files) and "." not in plan.projects:
        plan.projects.insert(0, ".")


def _lock_names(text: str) -> set[str]:
    return {normalise_distribution(n) for n in LOCK_NAME.findall(text)}


def _from_lock(files: UploadFiles) -> InstallPlan | None:
    if "uv.lock" in files and "pyproject.toml" in files:
        plan = InstallPlan("uv.lock", uv_lock=True)
        _add(plan, "uv.lock", uv_lock(_text(files, "uv.lock"), files))
        plan.declared |= _lock_names(_text(files, "uv.lock"))
        _, refused, _ = read_pyproject(_text(files, "pyproject.toml"), files)
        _add(plan, "pyproject.toml", refused)
        _own_project(plan, files)
        return plan
    readers = (("poetry.lock", poetry_lock), ("Pipfile.lock", pipfile_lock))
    pylocks = sorted(path for path in files if "/" not in path and PYLOCK.match(path))
    for path, reader in (*readers, *((p, pylock) for p in pylocks[:1])):
        if path in files:
            plan = InstallPlan(path)
            _add(plan, path, reader(_text(files, path), files))
            if "pyproject.toml" in files:
                _add(plan, "pyproject.toml", read_pyproject(_text(files, "pyproject.toml"), files)[1])
                _own_project(plan, files)
            return plan
    return None


def _from_pyproject(files: UploadFiles) -> InstallPlan | None:
    if "pyproject.toml" not in files:
        return None
    text = _text(files, "pyproject.toml")
    references, refused, declared = read_pyproject(text, files)
    if not declared and not is_installable_project(text, files):
        return None
    plan = InstallPlan("pyproject.toml")
    _add(plan, "pyproject.toml", [*references, *refused])
    _own_project(plan, files)
    return plan


def _from_requirements(files: UploadFiles) -> InstallPlan | None:
    path = _requirements_file(files)
    if path is None:
        return None
    read = read_requirements(path, files)
    plan = InstallPlan(path)
    entries: list[tuple[str, int, Reference]] = [*read.requirements, *read.projects, *read.refused]
    for file, line, reference in entries:
        _add(plan, file, [reference], line)
    plan.constraints = [reference.text for _, _, reference in read.constraints]
    return plan


def _from_setup(files: UploadFiles) -> InstallPlan | None:
    if "setup.py" in files or "setup.cfg" in files:
        return InstallPlan("setup.py" if "setup.py" in files else "setup.cfg", projects=["."])
    return None


def _from_analysis(names: Sequence[str]) -> InstallPlan:
    plan = InstallPlan("analysis")
    for name in names:
        reference = classify(name, ".", {})
        if isinstance(reference, Local):
            reference = Refused(name, "is not a package name")
        _add(plan, "the analysis", [reference])
    return plan


def plan_install(files: UploadFiles, analysis_packages: Sequence[str] = (), code_needs: bool = True) -> InstallPlan:
    """The install plan of an upload. `analysis_packages` (the distributions the analysis resolved the
    code's imports to, through its maintained mapping) are the plan when the upload declares nothing, and
    are added when it declares something that leaves them out (a requirements.txt without python-dotenv,
    a pyproject with no dependencies). `code_needs`: read the code for the integrations it needs and the
    removed APIs it uses (not needed to know what is refused)."""
    plan = _from_lock(files) or _from_pyproject(files) or _from_requirements(files) or _from_setup(files)
    if plan is None:
        plan = _from_analysis(analysis_packages)
    if not code_needs:
        return plan
    code = {path: content for path, content in files.items() if path.endswith(".py") and not _is_test(path)}
    imports = imported_modules(code)
    plan.added = needed_additions(imports, plan.requirements, plan.declared)
    plan.reasons = dict.fromkeys(plan.added, "an integration the code imports, which the manifest leaves out")
    if plan.source != "analysis":
        covered = plan.declared | {normalise_distribution(requirement_name(line) or line) for line in plan.added}
        missing = [name for name in dict.fromkeys(analysis_packages) if normalise_distribution(name) not in covered]
        plan.added += missing
        plan.reasons |= dict.fromkeys(missing, "the code imports it and the manifest does not declare it")
    plan.constraints += [c for c in era_constraints(imports, plan.install_lines()) if c not in plan.constraints]
    return plan


def _is_test(path: str) -> bool:
    name = posixpath.basename(path)
    parts = path.split("/")
    return name.startswith("test_") or name.endswith("_test.py") or "tests" in parts[:-1] or name == "conftest.py"
