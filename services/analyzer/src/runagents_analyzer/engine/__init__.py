"""The analysis engine: from an agent's source files to a Report. Static only: nothing analyzed
is ever imported or executed."""

from pathlib import Path

from .archive import UploadLimits, UploadRejected, unpack_upload
from .pipeline import PhaseCallback, analyze_files, analyzer_version
from .report import Report
from .sources import read_tree
from .suggest import RegisteredResources

__all__ = [
    "PhaseCallback",
    "RegisteredResources",
    "Report",
    "UploadLimits",
    "UploadRejected",
    "analyze_files",
    "analyze_tree",
    "analyzer_version",
    "unpack_upload",
]


def analyze_tree(
    root: Path,
    resources: RegisteredResources | None = None,
    on_phase: PhaseCallback | None = None,
) -> Report:
    """Analyze every file under `root` (symlinks not followed, vendored folders ignored)."""
    files, skipped = read_tree(root)
    return analyze_files(files, resources, on_phase, skipped)
