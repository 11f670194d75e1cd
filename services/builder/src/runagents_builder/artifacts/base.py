"""What a builder produces and the interface every artifact builder implements
(the local virtualenv builder now; an OCI image builder next)."""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runagents_contracts.install_plan import InstallPlan

ProgressCallback = Callable[[str, int], Awaitable[None]]


@dataclass(frozen=True)
class BuildInput:
    """What to build: the exact analyzed source and what to install into it (the analysis' install plan;
    None for a request sent before plans existed: then `packages`)."""

    build_id: str
    agent: str
    source_dir: Path
    source_digest: str
    packages: list[str]
    install_plan: InstallPlan | None = None


@dataclass(frozen=True)
class Artifact:
    kind: Literal["local-venv", "oci-image"]
    ref: str
    """A virtualenv path, or an image reference."""
    source_dir: str | None
    cached: bool


class BuildError(Exception):
    """The build failed for a reason worth showing to the user."""


class ArtifactBuilder(ABC):
    @abstractmethod
    async def build(self, request: BuildInput, progress: ProgressCallback) -> Artifact:
        """Build ``request`` into an artifact, reporting phases through ``progress``."""
