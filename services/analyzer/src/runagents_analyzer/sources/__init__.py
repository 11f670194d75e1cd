"""Content-addressed storage of uploaded sources, so a deploy builds exactly what was analyzed."""

from runagents_analyzer.sources.local import LocalSourceStore
from runagents_analyzer.sources.manifest import SourceManifest, file_digest
from runagents_analyzer.sources.store import SourceCorrupt, SourceNotFound, SourceStore
from runagents_analyzer.sources.tarball import tar_gz

__all__ = [
    "LocalSourceStore",
    "SourceCorrupt",
    "SourceManifest",
    "SourceNotFound",
    "SourceStore",
    "file_digest",
    "tar_gz",
]
