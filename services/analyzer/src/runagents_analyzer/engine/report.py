"""The analysis report: the public contract between the analyzer and its clients."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from runagents_contracts.entry import EntryPoint
from runagents_contracts.install_plan import InstallPlan
from runagents_contracts.llm_usage import LlmRole, LlmUsage, SuggestedModel

__all__ = ["EntryPoint", "InstallPlan", "LlmRole", "LlmUsage", "SuggestedModel"]

Ecosystem = Literal["pypi", "npm"]
PackageSource = Literal["manifest", "import"]
TierValue = Literal["custom", "platform"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalysisError(_Model):
    file: str
    line: int
    message: str


class SkippedFile(_Model):
    file: str
    reason: str


class ToolCall(_Model):
    file: str
    line: int
    method: str
    url: str = Field(description="The URL called; parts not known statically are rendered as {name}.")


class Tool(_Model):
    name: str
    base_url: str
    host: str | None = Field(description="Host name of base_url; null when it only comes from the environment.")
    calls: list[ToolCall]
    suggested: str | None = Field(default=None, description="Name of the registered tool that matches.")


class Secret(_Model):
    file: str
    line: int
    kind: str
    preview: str = Field(description="Masked preview; never the value.")


class SourceLocation(_Model):
    file: str
    line: int


class Host(_Model):
    host: str
    sources: list[SourceLocation]


class Package(_Model):
    name: str
    ecosystem: Ecosystem
    source: PackageSource


class UnresolvedImport(_Model):
    """An import that neither a known distribution, the upload's own modules, the standard library
    nor a declared manifest provides: not installed under a guessed name. Declare its distribution
    in requirements.txt or pyproject.toml to have it installed."""

    module: str
    file: str
    line: int


class SystemPrompt(_Model):
    file: str
    line: int
    text: str


class Tier(_Model):
    value: TierValue
    reason: str


class Report(_Model):
    analyzer_version: str
    files: list[str]
    skipped: list[SkippedFile] = Field(default_factory=list)
    errors: list[AnalysisError] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    llm_usage: list[LlmUsage] = Field(default_factory=list)
    secrets: list[Secret] = Field(default_factory=list)
    hosts: list[Host] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    install_plan: InstallPlan | None = Field(
        default=None,
        description="What the builder installs: the manifest that wins, its exact lines, the upload's projects.")
    unresolved_imports: list[UnresolvedImport] = Field(
        default_factory=list,
        description="Imports no known distribution provides; not installed until a manifest declares them.")
    entry_point: EntryPoint | None = None
    system_prompt: SystemPrompt | None = None
    tier: Tier
