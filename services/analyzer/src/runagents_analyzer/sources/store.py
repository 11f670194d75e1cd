"""The interface of source storage; the local filesystem implements it here, an object store later."""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path

from runagents_analyzer.sources.manifest import SourceManifest


class SourceNotFound(LookupError):
    """No source (or one of its files) is stored under the digest asked for."""


class SourceCorrupt(ValueError):
    """Stored bytes no longer match their digest."""


class SourceStore(ABC):
    """Stores file trees by content: each file's bytes once, each tree as a manifest of digests."""

    @abstractmethod
    async def put_tree(self, files: Mapping[str, bytes]) -> SourceManifest:
        """Store every file and the tree's manifest; storing the same tree again changes nothing."""

    @abstractmethod
    async def get_manifest(self, digest: str) -> SourceManifest:
        """The manifest stored under ``digest``; :class:`SourceNotFound` if there is none."""

    @abstractmethod
    async def get_tree(self, digest: str) -> dict[str, bytes]:
        """Every file of the source ``digest``, by relative path, checked against its digest."""

    async def materialise(self, digest: str, directory: Path) -> None:
        """Write the source ``digest`` as files under ``directory`` (which should be empty)."""
        files = await self.get_tree(digest)
        await asyncio.to_thread(write_tree, files, directory)


def write_tree(files: Mapping[str, bytes], directory: Path) -> None:
    """Write ``files`` under ``directory``; paths were checked when their manifest was made."""
    root = directory.resolve()
    for path, data in files.items():
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise ValueError(f"{path!r} would be written outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
