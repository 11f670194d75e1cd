"""The upload's copy on disk, seen as the mapping of relative paths to contents the install plan reads."""

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

SKIPPED_FOLDERS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache"})


class UploadCopy(Mapping[str, bytes]):
    """Files under `root` by posix path relative to it; read when asked (never through a symlink)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._paths: list[str] = []
        for folder, folders, names in os.walk(root):
            folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS)
            base = Path(folder).relative_to(root)
            for name in sorted(names):
                path = base / name
                if not (root / path).is_symlink():
                    self._paths.append(path.as_posix())
        self._known = frozenset(self._paths)

    def __getitem__(self, path: str) -> bytes:
        if path not in self._known:
            raise KeyError(path)
        return (self.root / path).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def digest(self, folder: str) -> str:
        """A hash of every file of a folder (or of one file) of the upload, to key a cache by its content."""
        prefix = "" if folder == "." else folder + "/"
        digest = hashlib.sha256()
        for path in self._paths:
            if path == folder or path.startswith(prefix):
                digest.update(path.encode() + b"\0" + self[path] + b"\0")
        return digest.hexdigest()
