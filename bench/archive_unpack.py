"""Peak memory and time of unpacking hostile uploads (issue 13, item 2).

Each attack archive is unpacked by `unpack_upload` in a child process of its own, so the peak
resident set size (ru_maxrss) the child reports is that archive's alone. Prints one row per archive:
its size, what the unpacker answered, the child's peak RSS and the wall time.

    uv run python bench/archive_unpack.py            # every attack
    uv run python bench/archive_unpack.py pax-1g     # one of them
"""

import io
import json
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

MIB = 1024 * 1024
CACHE = Path("/tmp/runagents-bench-archives")


def _gzip_stream(parts: Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = bytearray()
    for part in parts:
        out += compressor.compress(part)
    out += compressor.flush()
    return bytes(out)


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def _repeated(byte: bytes, total: int) -> Iterator[bytes]:
    block = byte * MIB
    for _ in range(total // MIB):
        yield block
    yield byte * (total % MIB) + b"\0" * (-total % 512)


def _agent_file() -> bytes:
    data = b"print('hello')\n"
    return _header("agent.py", tarfile.REGTYPE, len(data)) + _padded(data)


def pax_header(size: int) -> bytes:
    """A tar.gz whose first entry is a pax extended header of `size` bytes (tarfile reads it whole)."""
    record_length = size  # "<len> comment=<value>\n" where <len> counts the whole record
    prefix = f"{record_length} comment=".encode()
    value_length = size - len(prefix) - 1

    def parts() -> Iterator[bytes]:
        yield _header("././@PaxHeader", tarfile.XHDTYPE, size) + prefix
        yield from _repeated(b"a", value_length)
        yield b"\n" + b"\0" * (-size % 512)
        yield _agent_file() + b"\0" * 1024

    return _gzip_stream(parts())


def gnu_long_name(size: int) -> bytes:
    """A tar.gz whose file has a GNU long name of `size` bytes."""

    def parts() -> Iterator[bytes]:
        yield _header("././@LongLink", tarfile.GNUTYPE_LONGNAME, size + 1)
        yield from _repeated(b"a", size)
        yield b"\0" * (-(size + 1) % 512 + 1)
        data = b"x = 1\n"
        yield _header("placeholder", tarfile.REGTYPE, len(data)) + _padded(data) + b"\0" * 1024

    return _gzip_stream(parts())


def ignored_member(size: int) -> bytes:
    """A tar.gz holding one member the unpacker ignores (.DS_Store) of `size` bytes of zeros."""

    def parts() -> Iterator[bytes]:
        yield _agent_file() + _header("x/.DS_Store", tarfile.REGTYPE, size)
        yield from _repeated(b"\0", size)
        yield b"\0" * 1024

    return _gzip_stream(parts())


def directory_flood(count: int) -> bytes:
    def parts() -> Iterator[bytes]:
        yield _agent_file()
        for index in range(count):
            yield _header(f"d{index}/", tarfile.DIRTYPE, 0)
        yield b"\0" * 1024

    return _gzip_stream(parts())


def zip_of(count: int, size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("agent.py", "print('hello')\n")
        for index in range(count):
            archive.writestr(f"data/{index}.txt", b"\0" * size)
    return buffer.getvalue()


def zip_directory_flood(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("agent.py", "print('hello')\n")
        for index in range(count):
            archive.writestr(zipfile.ZipInfo(f"{index}/"), b"")
    return buffer.getvalue()


def multipart_flood(count: int) -> bytes:
    part = b'--flood\r\nContent-Disposition: form-data; name="files"; filename="a.py"\r\n\r\nx\r\n'
    return part * count + b"--flood--\r\n"


def legit_source() -> bytes:
    """This repository's services folder as a tar.gz: what an ordinary upload costs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(Path("services").rglob("*.py")):
            archive.add(path, arcname=f"project/{path}")
    return buffer.getvalue()


ATTACKS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "legit-services-tgz": ("upload.tar.gz", legit_source),
    "pax-1g": ("upload.tar.gz", lambda: pax_header(1024 * MIB)),
    "gnu-longname-64m": ("upload.tar.gz", lambda: gnu_long_name(64 * MIB)),
    "ignored-member-1g": ("upload.tar.gz", lambda: ignored_member(1024 * MIB)),
    "tar-dirs-200k": ("upload.tar.gz", lambda: directory_flood(200_000)),
    "zip-800x60k": ("upload.zip", lambda: zip_of(800, 60 * 1024)),
    "zip-dirs-400k": ("upload.zip", lambda: zip_directory_flood(400_000)),
    "multipart-600k": ("multipart", lambda: multipart_flood(600_000)),
}

CHILD = """
import asyncio, json, resource, sys, time
from pathlib import Path
from starlette.requests import Request
from runagents_analyzer.analyses.uploads import read_request
from runagents_analyzer.engine import UploadRejected, unpack_upload
from runagents_common.errors import RunAgentsError
name, path = sys.argv[1], sys.argv[2]
data = Path(path).read_bytes()


async def parsed(body):  # through the endpoint's reader, as POST /api/v1/analyses reads a body
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    scope = {"type": "http", "method": "POST", "app": None,
             "headers": [(b"content-type", b"multipart/form-data; boundary=flood")]}
    return (await read_request(Request(scope, receive), 50 * 2**20)).files


start = time.perf_counter()
try:
    items = asyncio.run(parsed(data)) if name == "multipart" else [(name, data)]
    files, skipped = unpack_upload(items)
    content = sum(len(data) for data in files.values()) / 2**20
    outcome = f"accepted {len(files)} files, {content:.1f} MiB, longest path {max(map(len, files), default=0)}"
except UploadRejected as rejected:
    outcome = f"refused: {rejected.limit}"
except RunAgentsError as error:
    outcome = f"refused: {error.extra.get('limit', error.code)}"
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": elapsed, "peak_mib": peak}))
"""


def main() -> None:
    chosen = sys.argv[1:] or list(ATTACKS)
    CACHE.mkdir(exist_ok=True)
    print(f"{'archive':<20} {'size':>10} {'peak RSS':>10} {'time':>8}  outcome")
    for key in chosen:
        upload_name, build = ATTACKS[key]
        path = CACHE / f"{key}-{upload_name}"
        if not path.exists():
            path.write_bytes(build())
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", CHILD, upload_name, str(path)],
                               capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if child.returncode != 0:
            print(f"{key:<20} {path.stat().st_size / 1024:>8.0f}KB {'-':>10} {wall:>7.1f}s  "
                  f"crashed: {child.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(child.stdout)
        print(f"{key:<20} {path.stat().st_size / 1024:>8.0f}KB {row['peak_mib']:>7.0f}MiB {row['seconds']:>7.2f}s  "
              f"{row['outcome']}")


if __name__ == "__main__":
    main()
