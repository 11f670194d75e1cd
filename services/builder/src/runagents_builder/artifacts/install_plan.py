"""What goes into the agent's virtualenv: the analysis' install plan (the analyzer owns the rules of
what an upload installs), every line of it checked again here before anything is installed."""

from dataclasses import dataclass
from pathlib import Path

from runagents_contracts.install_plan import InstallPlan

from runagents_builder.artifacts.requirement_check import check_project, check_requirement
from runagents_builder.artifacts.upload_files import UploadCopy

EDITABLE = ("-e ", "--editable ", "--editable=")


@dataclass(frozen=True)
class Install:
    """Exact requirement lines, constraints, and the absolute paths (inside the upload's copy) of the
    upload's own projects with their extras; each checked."""

    requirements: list[str]
    constraints: list[str]
    projects: list[str]
    project_digests: list[str]


def plan_of(install_plan: InstallPlan | None, packages: list[str]) -> InstallPlan:
    """The plan a build installs; a request sent before plans existed names only the analysis' packages."""
    return install_plan if install_plan is not None else InstallPlan(source="analysis", requirements=packages)


def with_uv_export(plan: InstallPlan, exported: str) -> InstallPlan:
    """The plan of a uv.lock with the lines `uv export` gave: requirements, and the upload's own
    projects (workspace members, path dependencies) as projects; each is checked by install_of."""
    requirements: list[str] = []
    projects = list(plan.projects)
    for raw in exported.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        editable = next((prefix for prefix in EDITABLE if line.startswith(prefix)), None)
        if editable is not None or line.startswith(("./", "../", "/")) or line == ".":
            project = line[len(editable):].strip() if editable else line
            project = project.removeprefix("./") or "."
            if project not in projects:
                projects.append(project)
        else:
            requirements.append(check_requirement(line, "uv.lock export line"))
    return plan.model_copy(update={"requirements": requirements, "projects": projects})


def install_of(source_dir: Path, plan: InstallPlan) -> Install:
    requirements = [check_requirement(line) for line in plan.install_lines()]
    constraints = [check_requirement(line, "constraint") for line in plan.constraints]
    checked = [check_project(source_dir, project) for project in plan.projects]
    files = UploadCopy(source_dir) if checked else None
    base = source_dir.resolve()
    return Install(
        requirements=sorted(dict.fromkeys(requirements)),
        constraints=constraints,
        projects=[f"{path}{extras}" for path, extras in checked],
        project_digests=[files.digest(path.relative_to(base).as_posix()) + extras
                         for path, extras in checked if files is not None],
    )
