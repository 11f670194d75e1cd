"""Source storage on the local filesystem.

Layout under the root (``<data_dir>/analyzer``)::

    blobs/sha256/<first two hex digits>/<digest>           one file's bytes
    sources/sha256/<first two hex digits>/<digest>.json    one tree's canonical manifest

Every write goes to a temporary file that is renamed into place, so a reader never sees a
partial blob and two writers of the same content do not conflict.
"""

import asyncio
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from runagents_analyzer.sources.manifest import SourceManifest, file_digest, is_digest
from runagents_analyzer.sources.store import SourceCorrupt, SourceNotFound, SourceStore


class LocalSourceStore(SourceStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / digest[:2] / digest

    def manifest_path(self, digest: str) -> Path:
        return self.root / "sources" / "sha256" / digest[:2] / f"{digest}.json"

    async def put_tree(self, files: Mapping[str, bytes]) -> SourceManifest:
        return await asyncio.to_thread(self._put_tree, files)

    async def get_manifest(self, digest: str) -> SourceManifest:
        return await asyncio.to_thread(self._get_manifest, digest)

    async def get_tree(self, digest: str) -> dict[str, bytes]:
        return await asyncio.to_thread(self._get_tree, digest)

    def _put_tree(self, files: Mapping[str, bytes]) -> SourceManifest:
        manifest = SourceManifest.of_tree(files)
        for path, data in files.items():
            self._write_once(self.blob_path(manifest.files[path]), data)
        self._write_once(self.manifest_path(manifest.digest), manifest.canonical_json())
        return manifest

    def _get_manifest(self, digest: str) -> SourceManifest:
        if not is_digest(digest):
            raise SourceNotFound(f"no source {digest!r}")
        data = self._read(self.manifest_path(digest), f"source {digest}")
        if file_digest(data) != digest:
            raise SourceCorrupt(f"the manifest of source {digest} does not match its digest")
        return SourceManifest.from_json(data)

    def _get_tree(self, digest: str) -> dict[str, bytes]:
        manifest = self._get_manifest(digest)
        files: dict[str, bytes] = {}
        for path, blob in manifest.files.items():
            data = self._read(self.blob_path(blob), f"file {path!r} of source {digest}")
            if file_digest(data) != blob:
                raise SourceCorrupt(f"file {path!r} of source {digest} does not match its digest")
            files[path] = data
        return files

    @staticmethod
    def _read(path: Path, what: str) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceNotFound(f"{what} is not stored") from None

    @staticmethod
    def _write_once(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(scratch, path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
