"""Safe unpacking of an upload: several plain files, or exactly one .zip/.tar/.tar.gz/.tgz archive.

Nothing is written to disk. Sizes are measured while reading, never taken from headers,
so a lying archive cannot get past the limits."""

import io
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from .report import SkippedFile
from .sources import is_binary

CHUNK_BYTES = 64 * 1024
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db"})


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_files: int = 5000
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 50 * 1024 * 1024
    max_compression_ratio: int = 100
    ratio_check_floor_bytes: int = 64 * 1024
    """Tiny members may compress extremely well without being a bomb; ratio is judged past this size."""


class UploadRejected(Exception):
    """The upload breaks a limit. `limit` names it (e.g. "file_size"); `detail` says where."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(f"{limit}: {detail}")
        self.limit = limit
        self.detail = detail


def safe_relative_path(name: str) -> str | None:
    """Normalised relative path, None for entries to ignore; raises on traversal or absolute paths."""
    if "\x00" in name:
        raise UploadRejected("path_traversal", f"{name!r} contains a NUL byte")
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":" and normalised[0].isalpha()):
        raise UploadRejected("absolute_path", f"{name!r} is an absolute path")
    parts = [part for part in normalised.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UploadRejected("path_traversal", f"{name!r} leaves the upload folder")
    path = "/".join(parts)
    if not path or path.startswith(IGNORED_PREFIXES) or parts[-1] in IGNORED_NAMES:
        return None
    return path


class _Budget:
    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.files = 0
        self.total = 0

    def count_file(self, name: str) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise UploadRejected("file_count", f"more than {self.limits.max_files} files")

    def read(self, name: str, stream: IO[bytes], compressed_size: int | None = None) -> bytes:
        buffer = io.BytesIO()
        size = 0
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            self._check(name, size, compressed_size)
            buffer.write(chunk)
        return buffer.getvalue()

    def add_plain(self, name: str, data: bytes) -> None:
        self._check(name, len(data), None)

    def _check(self, name: str, size: int, compressed_size: int | None) -> None:
        limits = self.limits
        if size > limits.max_file_bytes:
            raise UploadRejected("file_size", f"{name} is larger than {limits.max_file_bytes} bytes")
        if self.total + size > limits.max_total_bytes:
            raise UploadRejected("total_size", f"the upload is larger than {limits.max_total_bytes} bytes")
        judged = compressed_size is not None and size > limits.ratio_check_floor_bytes
        if judged and size > limits.max_compression_ratio * max(compressed_size or 0, 1):
            raise UploadRejected("compression_ratio", f"{name} expands more than {limits.max_compression_ratio}:1")

    def commit(self, size: int) -> None:
        self.total += size


def _zip_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise UploadRejected("archive", f"not a readable zip archive: {error}") from error
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no Unix mode
            if file_type == stat.S_IFLNK:
                raise UploadRejected("link", f"{info.filename} is a symbolic link")
            if file_type not in (0, stat.S_IFREG):
                raise UploadRejected("special_file", f"{info.filename} is not a regular file")
            path = safe_relative_path(info.filename)
            if path is None:
                continue
            budget.count_file(path)
            if info.flag_bits & 0x1:
                raise UploadRejected("archive", f"{path} is encrypted")
            try:
                with archive.open(info) as stream:
                    content = budget.read(path, stream, info.compress_size)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                raise UploadRejected("archive", f"{path} cannot be read: {error}") from error
            budget.commit(len(content))
            yield path, content


def _tar_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed by the `with` below
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UploadRejected("archive", f"not a readable tar archive: {error}") from error
    with archive:
        try:
            for member in archive:
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    raise UploadRejected("link", f"{member.name} is a link")
                if not member.isfile():
                    raise UploadRejected("special_file", f"{member.name} is not a regular file")
                path = safe_relative_path(member.name)
                if path is None:
                    continue
                budget.count_file(path)
                if member.size > budget.limits.max_file_bytes:
                    raise UploadRejected("file_size", f"{path} is larger than {budget.limits.max_file_bytes} bytes")
                stream = archive.extractfile(member)
                if stream is None:
                    continue
                content = budget.read(path, stream)
                budget.commit(len(content))
                yield path, content
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise UploadRejected("archive", f"the tar archive is corrupt: {error}") from error


def _strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    tops = {PurePosixPath(path).parts[0] for path in files}
    if len(tops) == 1 and all(len(PurePosixPath(path).parts) > 1 for path in files):
        prefix = tops.pop() + "/"
        return {path.removeprefix(prefix): content for path, content in files.items()}
    return files


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def unpack_upload(
    items: Sequence[tuple[str, bytes]], limits: UploadLimits | None = None
) -> tuple[dict[str, bytes], list[SkippedFile]]:
    """Files of an upload as relative path -> content, and the binary files left out."""
    budget = _Budget(limits or UploadLimits())
    files: dict[str, bytes] = {}
    if len(items) == 1 and is_archive_name(items[0][0]):
        archive_name, archive_data = items[0]
        is_zip = archive_name.lower().endswith(".zip")
        members = _zip_members(archive_data, budget) if is_zip else _tar_members(archive_data, budget)
        for member_path, content in members:
            files[member_path] = content
    else:
        for name, data in items:
            path = safe_relative_path(name)
            if path is None:
                continue
            budget.count_file(path)
            budget.add_plain(path, data)
            budget.commit(len(data))
            files[path] = data
    files = _strip_common_folder(files)
    skipped = [SkippedFile(file=path, reason="binary") for path in sorted(files) if is_binary(files[path])]
    for entry in skipped:
        del files[entry.file]
    return files, skipped
