import shutil
import sys

from pydantic import Field

from runagents_common.settings import PlatformSettings


class BuilderSettings(PlatformSettings):
    """Settings of the builder service."""

    builder_python: str = Field(default=sys.executable,
                                description="Python interpreter the agents' virtualenvs are created from.")
    builder_uv: str | None = Field(default_factory=lambda: shutil.which("uv"),
                                   description="Path of the uv executable used to create virtualenvs.")
    builder_timeout_seconds: float = Field(default=600, gt=0, description="Longest a package install may take.")
    builder_concurrency: int = Field(default=2, ge=1, description="Builds run at the same time.")
