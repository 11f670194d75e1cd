"""What POST /api/v1/analyses accepts and refuses: each refusal is problem+json naming its limit."""

import io
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Analyzer, StartAnalyzer

AGENT = b"from openai import OpenAI\n\nclient = OpenAI()\n"
REQUIREMENTS = b"openai\n"


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            entry.external_attr = (stat.S_IFREG | 0o644) << 16  # as `zip` and ZipFile.write record files
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def assert_problem(response: httpx.Response, status: int, code: str, limit: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["detail"]
    if limit is not None:
        assert body["limit"] == limit
    return body


async def test_a_zip_upload_is_unpacked_and_its_common_folder_dropped(analyzer: Analyzer) -> None:
    archive = zipped({"my-agent/agent.py": AGENT, "my-agent/requirements.txt": REQUIREMENTS})

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("my-agent.zip", archive)})

    assert response.status_code == 202, response.text
    done = await analyzer.wait_finished(response.json()["id"])
    assert done["status"] == "succeeded", done
    assert done["files"] == 2
    assert sorted(done["report"]["files"]) == ["agent.py", "requirements.txt"]


async def test_an_archive_sent_as_the_raw_body_is_unpacked(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", content=zipped({"agent.py": AGENT}), headers={"content-type": "application/zip"}
    )

    assert response.status_code == 202, response.text
    assert response.json()["files"] == 1


async def test_binary_files_are_left_out_and_listed_as_skipped(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", files=[("files", ("agent.py", AGENT)), ("files", ("logo.png", b"\x89PNG\x00\x01"))]
    )

    done = await analyzer.wait_finished(response.json()["id"])
    assert done["files"] == 1
    assert done["report"]["skipped"] == [{"file": "logo.png", "reason": "binary"}]


async def test_files_sent_with_folder_paths_keep_them(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", files=[("files", ("agent.py", AGENT)), ("files", ("lib/tools.py", b"X = 1\n"))]
    )

    assert response.status_code == 202, response.text
    done = await analyzer.wait_finished(response.json()["id"])
    assert sorted(done["report"]["files"]) == ["agent.py", "lib/tools.py"]


async def test_a_path_sent_both_as_file_and_folder_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", files=[("files", ("lib", b"x")), ("files", ("lib/tools.py", b"X = 1\n"))]
    )

    assert_problem(response, 422, "upload_rejected", limit="path_conflict")


async def test_a_zip_whose_entry_leaves_the_upload_folder_is_refused(analyzer: Analyzer) -> None:
    archive = zipped({"agent.py": AGENT, "../../etc/cron.d/evil": b"* * * * * root sh\n"})

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("agent.zip", archive)})

    assert_problem(response, 422, "upload_rejected", limit="path_traversal")


async def test_an_absolute_path_in_a_multipart_upload_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("/etc/passwd", b"root:x:0:0\n")})

    assert_problem(response, 422, "upload_rejected", limit="absolute_path")


@pytest.fixture
async def small_limit_analyzer(start_analyzer: StartAnalyzer) -> AsyncIterator[Analyzer]:
    async with start_analyzer(analyzer_max_upload_bytes=1024) as running:
        yield running


async def test_a_body_over_the_request_limit_is_refused_from_its_declared_length(
    small_limit_analyzer: Analyzer,
) -> None:
    response = await small_limit_analyzer.client.post(
        "/api/v1/analyses", files={"files": ("agent.py", b"#" * 4096)}
    )

    body = assert_problem(response, 413, "upload_too_large", limit="request_size")
    assert body["max"] == 1024


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(small_limit_analyzer: Analyzer) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(100):
            sent.append(index)
            yield b"x" * 512

    response = await small_limit_analyzer.client.post(
        "/api/v1/analyses", content=chunks(), headers={"content-type": "application/zip"}
    )

    assert_problem(response, 413, "upload_too_large", limit="request_size")
    assert "content-length" not in response.request.headers
    assert len(sent) < 100


async def test_a_file_over_the_per_file_limit_is_refused_as_too_large(analyzer: Analyzer) -> None:
    archive = zipped({"agent.py": AGENT, "model.py": b"# " + os.urandom(3 * 1024 * 1024).hex().encode()})

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("agent.zip", archive)})

    assert_problem(response, 413, "upload_too_large", limit="file_size")


async def test_an_unknown_sample_is_not_found(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", json={"sample": "goodbye-world"})

    body = assert_problem(response, 404, "unknown_sample")
    assert "hello-world" in str(body["detail"])


async def test_a_sample_name_that_is_a_path_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", json={"sample": "../analyses"})

    assert_problem(response, 422, "upload_rejected", limit="sample_request")


async def test_an_upload_without_files_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", files={"note": (None, "no files here")})

    assert_problem(response, 422, "upload_rejected", limit="empty_upload")


async def test_an_upload_whose_files_are_all_ignored_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", files={"files": (".DS_Store", b"junk")})

    assert_problem(response, 422, "upload_rejected", limit="empty_upload")


async def test_a_body_of_another_media_type_is_refused(analyzer: Analyzer) -> None:
    response = await analyzer.client.post("/api/v1/analyses", content=b"hello", headers={"content-type": "text/plain"})

    assert_problem(response, 415, "unsupported_media_type")


def gnu_long_name_tar_gz(name_bytes: int) -> bytes:
    """A tar.gz of one file whose GNU long-name header holds a name of ``name_bytes`` bytes."""
    long_name = tarfile.TarInfo("././@LongLink")
    long_name.type = tarfile.GNUTYPE_LONGNAME
    long_name.size = name_bytes + 1
    agent = tarfile.TarInfo("placeholder")
    agent.size = len(AGENT)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [long_name.tobuf(format=tarfile.USTAR_FORMAT)]
    parts += [b"a" * (1024 * 1024)] * (name_bytes // (1024 * 1024))
    parts += [b"\0" * (-(name_bytes + 1) % 512 + 1), agent.tobuf(format=tarfile.USTAR_FORMAT),
              AGENT + b"\0" * (-len(AGENT) % 512), b"\0" * 1024]
    return b"".join([compressor.compress(part) for part in parts] + [compressor.flush()])


async def test_a_65_kb_tar_with_a_64_mib_file_name_is_refused_and_leaves_nothing_large_on_disk(
    analyzer: Analyzer, tmp_path: Path
) -> None:
    archive = gnu_long_name_tar_gz(64 * 1024 * 1024)
    assert len(archive) < 70_000

    response = await analyzer.client.post(
        "/api/v1/analyses", content=archive, headers={"content-type": "application/gzip"}
    )

    body = assert_problem(response, 413, "upload_too_large", limit="header_size")
    assert body["max"] == 64 * 1024
    assert len(response.content) < 2048
    stored = [path for path in (tmp_path / "data").rglob("*") if path.is_file()]
    assert all(path.stat().st_size < 1024 * 1024 for path in stored), [(p, p.stat().st_size) for p in stored]


async def test_a_tar_bomb_is_refused_by_its_ratio_even_when_its_bulk_is_an_ignored_file(analyzer: Analyzer) -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    agent, ignored = tarfile.TarInfo("agent/agent.py"), tarfile.TarInfo("agent/.DS_Store")
    agent.size, ignored.size = len(AGENT), 80 * 1024 * 1024
    parts = [agent.tobuf(format=tarfile.USTAR_FORMAT), AGENT + b"\0" * (-len(AGENT) % 512),
             ignored.tobuf(format=tarfile.USTAR_FORMAT), *[b"\0" * (1024 * 1024)] * 80, b"\0" * 1024]
    archive = b"".join([compressor.compress(part) for part in parts] + [compressor.flush()])

    response = await analyzer.client.post("/api/v1/analyses", files={"files": ("agent.tar.gz", archive)})

    body = assert_problem(response, 422, "upload_rejected", limit="compression_ratio")
    assert "100 times its size" in body["detail"]


async def test_a_multipart_flood_of_tiny_files_is_refused_before_the_body_is_read(analyzer: Analyzer) -> None:
    part = b'--flood\r\nContent-Disposition: form-data; name="files"; filename="a.py"\r\n\r\nx\r\n'
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for index in range(200):  # 20000 parts, each of them an object with a spooled file when parsed
            sent.append(index)
            yield part * 100
        yield b"--flood--\r\n"

    response = await analyzer.client.post(
        "/api/v1/analyses", content=chunks(), headers={"content-type": "multipart/form-data; boundary=flood"}
    )

    body = assert_problem(response, 422, "upload_rejected", limit="file_count")
    assert body["max"] == 5000
    assert len(sent) < 200


async def test_a_malformed_multipart_body_is_a_bad_request(analyzer: Analyzer) -> None:
    response = await analyzer.client.post(
        "/api/v1/analyses", content=b"--x\r\nno headers\r\n\r\n", headers={"content-type": "multipart/form-data"}
    )

    assert_problem(response, 400, "bad_request")
