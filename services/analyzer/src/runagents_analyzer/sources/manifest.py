"""A source: the relative path of every file mapped to the digest of its bytes.

A source's own digest is the SHA-256 of its canonical JSON, so the same tree always has the
same digest, whatever order its files were uploaded in.
"""

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

DIGEST_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MANIFEST_VERSION = 1


def file_digest(data: bytes) -> str:
    """The hex SHA-256 of ``data``: the name of its blob."""
    return hashlib.sha256(data).hexdigest()


def is_digest(value: str) -> bool:
    return DIGEST_PATTERN.fullmatch(value) is not None


def check_relative_path(path: str) -> None:
    """Refuse a path that could land outside the tree when it is materialised."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or "\x00" in path
        or pure.is_absolute()
        or pure.as_posix() != path
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise ValueError(f"not a safe relative file path: {path!r}")


@dataclass(frozen=True)
class SourceManifest:
    """The files of one source tree, by relative POSIX path, each with its blob digest."""

    files: Mapping[str, str]

    def __post_init__(self) -> None:
        for path, digest in self.files.items():
            check_relative_path(path)
            if not is_digest(digest):
                raise ValueError(f"not a SHA-256 hex digest for {path!r}: {digest!r}")
        directories = {str(parent) for path in self.files for parent in PurePosixPath(path).parents}
        clashing = sorted(directories & self.files.keys())
        if clashing:
            raise ValueError(f"{clashing[0]!r} is both a file and a folder")

    @classmethod
    def of_tree(cls, files: Mapping[str, bytes]) -> "SourceManifest":
        return cls({path: file_digest(data) for path, data in files.items()})

    def canonical_json(self) -> bytes:
        body = {"version": MANIFEST_VERSION, "files": dict(sorted(self.files.items()))}
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @property
    def digest(self) -> str:
        return file_digest(self.canonical_json())

    @classmethod
    def from_json(cls, data: bytes) -> "SourceManifest":
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("version") != MANIFEST_VERSION:
            raise ValueError("not a source manifest of a known version")
        files = body.get("files")
        if not isinstance(files, dict):
            raise ValueError("a source manifest needs a files mapping")
        return cls({str(path): str(digest) for path, digest in files.items()})
