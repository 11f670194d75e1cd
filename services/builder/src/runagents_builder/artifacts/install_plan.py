"""The builder's own reading of what an upload declares (never trusting the analysis for it):
the install plan, a uv.lock exported by uv, and every requirement checked again before install."""

import collections
from dataclasses import dataclass
from pathlib import Path

from runagents_builder.artifacts.base import BuildError
from runagents_builder.artifacts.upload_files import UploadCopy
from runagents_common.dependencies import InstallPlan, Refusal, plan_install
from runagents_common.dependencies.requirements_txt import read_requirements

EXPORTED = "<uv export of uv.lock>"


@dataclass(frozen=True)
class Install:
    """What goes into the agent's virtualenv: exact requirement lines, constraints, and the
    absolute paths (inside the upload's copy) of the upload's own projects, with their extras."""

    source: str
    requirements: list[str]
    constraints: list[str]
    projects: list[str]
    project_digests: list[str]


def refuse(plan: InstallPlan) -> None:
    if plan.refused:
        lines = [refusal.describe() for refusal in plan.refused]
        raise BuildError("the upload declares requirements the platform does not install:\n" + "\n".join(lines))


def read_plan(source_dir: Path, analysis_packages: list[str]) -> tuple[UploadCopy, InstallPlan]:
    files = UploadCopy(source_dir)
    plan = plan_install(files, analysis_packages)
    refuse(plan)
    return files, plan


def with_uv_export(files: UploadCopy, plan: InstallPlan, exported: str) -> InstallPlan:
    """The plan of a uv.lock with the requirements uv exported from it, each checked as if a user wrote it."""
    read = read_requirements(EXPORTED, collections.ChainMap({EXPORTED: exported.encode()}, dict.fromkeys(files, b"")))
    plan.requirements = [reference.text for _, _, reference in read.requirements]
    for _, _, local in read.projects:
        if local.path + local.extras not in plan.projects:
            plan.projects.append(local.path + local.extras)
    plan.refused += [Refusal("uv.lock", None, refused.text, refused.reason) for _, _, refused in read.refused]
    refuse(plan)
    return plan


def install_of(files: UploadCopy, plan: InstallPlan) -> Install:
    paths = [(project.split("[", 1)[0], project[len(project.split("[", 1)[0]):]) for project in plan.projects]
    return Install(
        source=plan.source,
        requirements=sorted(dict.fromkeys(plan.install_lines())),
        constraints=plan.constraints,
        projects=[f"{files.root / path}{extras}" for path, extras in paths],
        project_digests=[files.digest(path) + extras for path, extras in paths],
    )
