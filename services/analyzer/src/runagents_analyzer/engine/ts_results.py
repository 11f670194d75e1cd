"""What the TypeScript/JavaScript analysis hands to the pipeline."""

from dataclasses import dataclass, field

from .llm_usage import LlmFinding
from .report import AnalysisError, EntryPoint
from .tier import JsImport
from .urls import Url


@dataclass(frozen=True, slots=True)
class JsHttpCall:
    file: str
    line: int
    method: str
    url: Url


@dataclass(slots=True)
class JsAnalysis:
    http_calls: list[JsHttpCall] = field(default_factory=list)
    llm_usage: list[LlmFinding] = field(default_factory=list)
    imports: list[JsImport] = field(default_factory=list)
    hosts: list[tuple[Url, str, int]] = field(default_factory=list)
    errors: list[AnalysisError] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    """npm packages imported by application code (not tests), in import order."""
    entry_point: EntryPoint | None = None
    framework: str | None = None
    """Why the code is custom-tier: the agent-framework import and where it is."""
