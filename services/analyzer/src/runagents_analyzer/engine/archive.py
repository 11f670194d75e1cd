"""Safe unpacking of an upload: several plain files, or exactly one .zip/.tar/.tar.gz/.tgz archive.

Nothing is written to disk. Sizes are measured while reading, never taken from headers, so a
lying archive cannot get past the limits. A compressed tar is decompressed here, as it is read,
so every byte it unpacks to (contents, headers, folders, ignored members) is counted before
tarfile sees it; tar headers that tarfile would read whole (pax, GNU long names) are checked
against their limit before they are read; a zip's central directory is counted before zipfile
builds an entry for each record."""

import bz2
import io
import lzma
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any, Protocol

from .report import SkippedFile
from .sources import is_binary

CHUNK_BYTES = 64 * 1024
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db"})
MAX_PATH_BYTES = 1024
MAX_NAME_BYTES = 255
"""The longest file name a Linux filesystem takes: a longer one could not be written out for a build."""
MAX_HEADERS_IN_A_ROW = 8
"""Extended headers (pax, GNU long name/link) before one entry: real archives use at most three."""
SHOWN_NAME_CHARS = 120

# Tar entries whose payload tarfile reads into memory whole, as metadata of the entry that follows.
_HEADER_TYPES = frozenset({tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE,
                           tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK})


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_files: int = 5000
    max_entries: int = 10000
    """Entries of an archive of any kind: files, folders, links, ignored files, extended headers."""
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 50 * 1024 * 1024
    max_unpacked_bytes: int = 64 * 1024 * 1024
    """Everything an archive unpacks to: the files kept, plus headers, folders and ignored members."""
    max_header_bytes: int = 64 * 1024
    """One tar extended header (pax, GNU long name or link); all global pax headers together too."""
    max_compression_ratio: int = 100
    ratio_check_floor_bytes: int = 64 * 1024
    """Tiny members may compress extremely well without being a bomb; ratio is judged past this size."""


class UploadRejected(Exception):
    """The upload breaks a limit. `limit` names it (e.g. "file_size"); `detail` says where; `maximum`
    is the limit's value when it is a number."""

    def __init__(self, limit: str, detail: str, maximum: int | None = None) -> None:
        super().__init__(f"{limit}: {detail}")
        self.limit = limit
        self.detail = detail
        self.maximum = maximum


def shown(name: str) -> str:
    """A name as quoted in a refusal: cut short, since an archive's names can be megabytes long."""
    if len(name) <= SHOWN_NAME_CHARS:
        return repr(name)
    return f"{name[:SHOWN_NAME_CHARS]!r}... ({len(name)} characters)"


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB" if size >= 1024 * 1024 else f"{size / 1024:g} KiB"


def safe_relative_path(name: str) -> str | None:
    """Normalised relative path, None for entries to ignore; raises on traversal, absolute or overlong paths."""
    if "\x00" in name:
        raise UploadRejected("path_traversal", f"{shown(name)} contains a NUL byte")
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":" and normalised[0].isalpha()):
        raise UploadRejected("absolute_path", f"{shown(name)} is an absolute path")
    parts = [part for part in normalised.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UploadRejected("path_traversal", f"{shown(name)} leaves the upload folder")
    path = "/".join(parts)
    if len(path.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        raise UploadRejected("path_length", f"{shown(name)} is longer than {MAX_PATH_BYTES} bytes", MAX_PATH_BYTES)
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in parts):
        raise UploadRejected("path_length", f"{shown(name)} has a name longer than {MAX_NAME_BYTES} bytes",
                             MAX_NAME_BYTES)
    if not path or path.startswith(IGNORED_PREFIXES) or parts[-1] in IGNORED_NAMES:
        return None
    return path


class _Budget:
    """What an upload has used so far, refused the moment it passes a limit."""

    def __init__(self, limits: UploadLimits, archive_bytes: int = 0) -> None:
        self.limits = limits
        self.archive_bytes = archive_bytes
        self.files = 0
        self.entries = 0
        self.total = 0
        self.unpacked = 0
        self.headers_in_a_row = 0
        self.global_header_bytes = 0

    def count_file(self, name: str) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise UploadRejected("file_count", f"more than {self.limits.max_files} files", self.limits.max_files)

    def count_entries(self, count: int = 1) -> None:
        self.entries += count
        if self.entries > self.limits.max_entries:
            raise UploadRejected(
                "entry_count",
                f"the archive has more than {self.limits.max_entries} entries (files, folders and headers)",
                self.limits.max_entries,
            )

    def count_unpacked(self, size: int) -> None:
        """Bytes an archive unpacked to, whatever they are: refused past the total, or past the ratio."""
        limits = self.limits
        self.unpacked += size
        if self.unpacked > limits.max_unpacked_bytes:
            raise UploadRejected(
                "unpacked_size",
                f"the archive unpacks to more than {limits.max_unpacked_bytes} bytes"
                f" ({_mib(limits.max_unpacked_bytes)}), counting its headers, folders and ignored files",
                limits.max_unpacked_bytes,
            )
        judged = self.unpacked > limits.ratio_check_floor_bytes
        if judged and self.unpacked > limits.max_compression_ratio * max(self.archive_bytes, 1):
            raise UploadRejected(
                "compression_ratio",
                f"the archive ({self.archive_bytes} bytes) unpacks to more than"
                f" {limits.max_compression_ratio} times its size",
                limits.max_compression_ratio,
            )

    def count_tar_header(self, kind: bytes, size: int, name: str) -> None:
        """Called for every tar header before tarfile reads what follows it."""
        limits = self.limits
        self.count_entries()
        if kind == tarfile.GNUTYPE_SPARSE:
            raise UploadRejected("special_file", f"{shown(name)} is a sparse file")
        if kind not in _HEADER_TYPES:
            self.headers_in_a_row = 0
            return
        self.headers_in_a_row += 1
        if self.headers_in_a_row > MAX_HEADERS_IN_A_ROW:
            raise UploadRejected("archive", f"more than {MAX_HEADERS_IN_A_ROW} extended headers in a row")
        if size > limits.max_header_bytes:
            raise UploadRejected(
                "header_size",
                f"a tar extended header (pax or GNU long name) of {size} bytes is over the limit of"
                f" {limits.max_header_bytes} bytes ({_mib(limits.max_header_bytes)})",
                limits.max_header_bytes,
            )
        if kind == tarfile.XGLTYPE:
            # global headers accumulate in tarfile for the whole archive
            self.global_header_bytes += size
            if self.global_header_bytes > limits.max_header_bytes:
                raise UploadRejected(
                    "header_size",
                    f"the tar's global pax headers together are over the limit of {limits.max_header_bytes} bytes",
                    limits.max_header_bytes,
                )

    def read(self, name: str, stream: IO[bytes], compressed_size: int | None = None, *,
             count_unpacked: bool = False) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read(CHUNK_BYTES):
            size += len(chunk)
            self._check(name, size, compressed_size)
            if count_unpacked:
                self.count_unpacked(len(chunk))
            chunks.append(chunk)
        return b"".join(chunks)

    def add_plain(self, name: str, data: bytes) -> None:
        self._check(name, len(data), None)

    def _check(self, name: str, size: int, compressed_size: int | None) -> None:
        limits = self.limits
        if size > limits.max_file_bytes:
            raise UploadRejected("file_size", f"{name} is larger than {limits.max_file_bytes} bytes",
                                 limits.max_file_bytes)
        if self.total + size > limits.max_total_bytes:
            raise UploadRejected(
                "total_size",
                f"the upload is larger than {limits.max_total_bytes} bytes ({_mib(limits.max_total_bytes)})",
                limits.max_total_bytes,
            )
        judged = compressed_size is not None and size > limits.ratio_check_floor_bytes
        if judged and size > limits.max_compression_ratio * max(compressed_size or 0, 1):
            raise UploadRejected("compression_ratio", f"{name} expands more than {limits.max_compression_ratio}:1",
                                 limits.max_compression_ratio)

    def commit(self, size: int) -> None:
        self.total += size


_CENTRAL_RECORD = b"PK\x01\x02"
_END_RECORD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_RECORD = b"PK\x06\x06"


def _count_zip_directory(data: bytes, budget: _Budget) -> None:
    """Count a zip's entries before zipfile reads its central directory, which it holds whole in memory
    as one object per record: a 50 MB zip of empty entries would be a million of them."""
    if data.count(_CENTRAL_RECORD) <= budget.limits.max_entries:
        return  # every record starts so: zipfile cannot find more than that
    # Too many look-alikes (a stored archive inside, say): walk the records where zipfile looks for them.
    unreadable = UploadRejected("archive", "not a readable zip archive: its central directory cannot be walked")
    end = data.rfind(_END_RECORD, max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        raise unreadable
    (directory_size,) = struct.unpack_from("<I", data, end + 12)
    location = end
    if end >= 76 and data[end - 20 : end - 16] == _ZIP64_LOCATOR and data[end - 76 : end - 72] == _ZIP64_END_RECORD:
        (directory_size,) = struct.unpack_from("<Q", data, end - 76 + 40)
        location = end - 76
    position = location - directory_size
    if position < 0:
        raise unreadable
    while position < location:
        if position + 46 > location or data[position : position + 4] != _CENTRAL_RECORD:
            raise unreadable
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        budget.count_entries()
        position += 46 + name_length + extra_length + comment_length
    budget.entries = 0  # counted again from zipfile's own list


def _zip_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    _count_zip_directory(data, budget)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise UploadRejected("archive", f"not a readable zip archive: {error}") from error
    with archive:
        infos = archive.infolist()
        budget.count_entries(len(infos))
        for info in infos:
            if info.is_dir():
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no Unix mode
            if file_type == stat.S_IFLNK:
                raise UploadRejected("link", f"{shown(info.filename)} is a symbolic link")
            if file_type not in (0, stat.S_IFREG):
                raise UploadRejected("special_file", f"{shown(info.filename)} is not a regular file")
            path = safe_relative_path(info.filename)
            if path is None:
                continue
            budget.count_file(path)
            if info.flag_bits & 0x1:
                raise UploadRejected("archive", f"{path} is encrypted")
            try:
                with archive.open(info) as stream:
                    content = budget.read(path, stream, info.compress_size, count_unpacked=True)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                raise UploadRejected("archive", f"{path} cannot be read: {error}") from error
            budget.commit(len(content))
            yield path, content


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _GzipDecompressor:
    """zlib's decompressor with the interface of bz2's and lzma's (`needs_input`, bounded output)."""

    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self._inflater.eof

    @property
    def unused_data(self) -> bytes:
        return self._inflater.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._inflater.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return self._inflater.decompress(self._inflater.unconsumed_tail + data, max(max_length, 0))


_COMPRESSIONS: tuple[tuple[bytes, Callable[[], _Decompressor]], ...] = (
    (b"\x1f\x8b", _GzipDecompressor),
    (b"BZh", bz2.BZ2Decompressor),
    (b"\xfd7zXZ\x00", lzma.LZMADecompressor),
)


class _CountedTarStream:
    """The tar inside an upload, decompressed as tarfile reads it (never more than it asks for) and
    counted against the budget, so a bomb is refused after at most the limit, never held whole."""

    def __init__(self, data: bytes, budget: _Budget) -> None:
        self._data = memoryview(data)
        self._position = 0
        self._budget = budget
        self._feed = b""
        self._magic = b""
        self._new: Callable[[], _Decompressor] | None = None
        for magic, new in _COMPRESSIONS:
            if data.startswith(magic):
                self._magic, self._new = magic, new
        self._decompressor = self._new() if self._new else None
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = CHUNK_BYTES
        if self._decompressor is None:
            chunk = bytes(self._data[self._position : self._position + size])
            self._position += len(chunk)
        else:
            chunk = self._inflate(size)
        self._budget.count_unpacked(len(chunk))
        return chunk

    def _next_input(self) -> bytes:
        if self._feed:
            data, self._feed = self._feed, b""
            return data
        data = bytes(self._data[self._position : self._position + CHUNK_BYTES])
        self._position += len(data)
        return data

    def _inflate(self, size: int) -> bytes:
        parts: list[bytes] = []
        produced = 0
        while produced < size and not self._ended:
            decompressor = self._decompressor
            assert decompressor is not None and self._new is not None
            if decompressor.eof:
                # concatenated streams are one stream (as gzip and bzip2 read them); anything else ends it
                rest = decompressor.unused_data + self._feed
                self._feed = b""
                if not rest:
                    rest = self._next_input()
                if not rest.startswith(self._magic):
                    self._ended = True
                    break
                self._decompressor = self._new()
                self._feed = rest
                continue
            data = self._next_input() if decompressor.needs_input else b""
            if not data and decompressor.needs_input:
                break  # truncated: tarfile says so
            chunk = decompressor.decompress(data, size - produced)
            parts.append(chunk)
            produced += len(chunk)
        return b"".join(parts)


def _checked_tarinfo(budget: _Budget) -> type[tarfile.TarInfo]:
    class CheckedTarInfo(tarfile.TarInfo):
        # tarfile's documented extension point: every header passes here before its payload is read.
        def _proc_member(self, tarfile: Any) -> Any:
            budget.count_tar_header(self.type, self.size, self.name)
            return super()._proc_member(tarfile)  # type: ignore[misc]

        def _proc_gnusparse_10(self, next: Any, pax_headers: Any, tarfile: Any) -> None:
            # its map is read number by number from the data, however long it claims to be
            raise UploadRejected("special_file", f"{shown(next.name)} is a sparse file")

    return CheckedTarInfo


def _tar_members(data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    stream = _CountedTarStream(data, budget)
    try:
        # "r|": read front to back from our counted stream; tarfile neither seeks nor decompresses
        archive = tarfile.open(fileobj=stream, mode="r|", tarinfo=_checked_tarinfo(budget))  # type: ignore[call-overload]  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
        raise UploadRejected("archive", f"not a readable tar archive: {error}") from error
    with archive:
        try:
            while (member := archive.next()) is not None:
                archive.members.clear()  # tarfile keeps every entry read; a stream needs none once passed
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    raise UploadRejected("link", f"{shown(member.name)} is a link")
                if not member.isfile() or member.sparse is not None:
                    raise UploadRejected("special_file", f"{shown(member.name)} is not a regular file")
                path = safe_relative_path(member.name)
                if path is None:
                    continue
                budget.count_file(path)
                if member.size > budget.limits.max_file_bytes:
                    raise UploadRejected("file_size", f"{path} is larger than {budget.limits.max_file_bytes} bytes",
                                         budget.limits.max_file_bytes)
                content_stream = archive.extractfile(member)
                if content_stream is None:
                    continue
                content = budget.read(path, content_stream)
                budget.commit(len(content))
                yield path, content
        except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
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
    files: dict[str, bytes] = {}
    if len(items) == 1 and is_archive_name(items[0][0]):
        archive_name, archive_data = items[0]
        budget = _Budget(limits or UploadLimits(), archive_bytes=len(archive_data))
        is_zip = archive_name.lower().endswith(".zip")
        members = _zip_members(archive_data, budget) if is_zip else _tar_members(archive_data, budget)
        for member_path, content in members:
            files[member_path] = content
    else:
        budget = _Budget(limits or UploadLimits())
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
