"""What the builder installs for an upload: the analyzer's `install_plan` finding, which the deployer
passes to the builder with the build request. The analyzer owns the rules that make it (which manifest
wins, what is added, what is refused); the builder checks every line again before installing."""

from pydantic import BaseModel, ConfigDict, Field

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
"""A folder of the upload holding one of these is a project the plan may install."""
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")
"""A file of the upload ending so is a package archive the plan may install."""


class AddedRequirement(BaseModel):
    """A requirement the code needs that the manifest leaves out."""

    model_config = ConfigDict(extra="forbid")

    requirement: str
    reason: str


class InstallPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(description='The manifest that won (a path inside the upload), or "analysis" when the '
                                    "upload declares nothing and the packages come from its imports.")
    requirements: list[str] = Field(default_factory=list,
                                    description="Exact requirement lines (PEP 508, from PyPI).")
    constraints: list[str] = Field(default_factory=list, description="Constraint lines, as requirements.")
    projects: list[str] = Field(default_factory=list,
                                description="Projects inside the upload to install (paths relative to its root, "
                                            "with extras: `.`, `libs/helper[server]`).")
    uv_lock: bool = Field(default=False, description="The requirements are what `uv export --frozen` of the "
                                                     "upload gives: the builder runs it.")
    added: list[AddedRequirement] = Field(default_factory=list)

    def install_lines(self) -> list[str]:
        return [*self.requirements, *(added.requirement for added in self.added)]
