"""Safe unpacking of uploads: every refusal names its limit; nothing escapes the upload folder."""

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import Literal

import pytest

from runagents_analyzer.engine import UploadLimits, UploadRejected, unpack_upload


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: Literal["w", "w:gz"] = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                archive.addfile(info, io.BytesIO(member[1]))
    return buffer.getvalue()


def rejection(items: list[tuple[str, bytes]], limits: UploadLimits | None = None) -> UploadRejected:
    with pytest.raises(UploadRejected) as raised:
        unpack_upload(items, limits)
    return raised.value


def test_plain_files_are_returned_by_relative_path() -> None:
    files, skipped = unpack_upload([("agent.py", b"print(1)\n"), ("lib/tools.py", b"x = 1\n")])

    assert files == {"agent.py": b"print(1)\n", "lib/tools.py": b"x = 1\n"}
    assert skipped == []


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz", ".tgz", ".tar"])
def test_an_archive_is_unpacked_and_its_single_top_folder_stripped(suffix: str) -> None:
    members = {"hello-main/agent.py": b"print(1)\n", "hello-main/pkg/util.py": b"x = 1\n"}
    if suffix == ".zip":
        data = zip_bytes(members)
    else:
        data = tar_bytes(list(members.items()), mode="w" if suffix == ".tar" else "w:gz")

    files, _ = unpack_upload([("upload" + suffix, data)])

    assert files == {"agent.py": b"print(1)\n", "pkg/util.py": b"x = 1\n"}


@pytest.mark.parametrize("name", ["../evil.py", "src/../../evil.py", "..\\evil.py"])
def test_path_traversal_is_refused(name: str) -> None:
    assert rejection([("up.zip", zip_bytes({name: b"x"}))]).limit == "path_traversal"
    assert rejection([(name, b"x"), ("ok.py", b"y")]).limit == "path_traversal"


@pytest.mark.parametrize("name", ["/etc/passwd", "C:/Windows/evil.py"])
def test_absolute_paths_are_refused(name: str) -> None:
    assert rejection([("up.tar.gz", tar_bytes([(name, b"x")]))]).limit == "absolute_path"


@pytest.mark.parametrize("link_type", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_links_in_a_tar_are_refused(link_type: bytes) -> None:
    link = tarfile.TarInfo("agent.py")
    link.type = link_type
    link.linkname = "/etc/passwd"

    assert rejection([("up.tgz", tar_bytes([link]))]).limit == "link"


def test_devices_in_a_tar_are_refused() -> None:
    device = tarfile.TarInfo("dev/null")
    device.type = tarfile.CHRTYPE

    assert rejection([("up.tar", tar_bytes([device], mode="w"))]).limit == "special_file"


def test_a_symlink_in_a_zip_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("agent.py")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")

    assert rejection([("up.zip", buffer.getvalue())]).limit == "link"


def test_too_many_files_are_refused() -> None:
    limits = UploadLimits(max_files=3)

    assert rejection([("up.zip", zip_bytes({f"f{i}.py": b"x" for i in range(4)}))], limits).limit == "file_count"
    assert rejection([(f"f{i}.py", b"x") for i in range(4)], limits).limit == "file_count"


def test_the_default_file_count_limit_is_five_thousand() -> None:
    assert UploadLimits().max_files == 5000
    error = rejection([("up.zip", zip_bytes({f"f{i}.py": b"" for i in range(5001)}, zipfile.ZIP_STORED))])
    assert error.limit == "file_count"


def test_a_file_over_the_size_limit_is_refused() -> None:
    big = b"a" * (5 * 1024 * 1024 + 1)

    assert rejection([("big.py", big), ("ok.py", b"")]).limit == "file_size"
    assert rejection([("up.zip", zip_bytes({"big.txt": big}, zipfile.ZIP_STORED))]).limit == "file_size"
    assert rejection([("up.tgz", tar_bytes([("big.txt", big)]))]).limit == "file_size"


def test_the_total_size_limit_is_refused() -> None:
    limits = UploadLimits(max_total_bytes=1000, max_file_bytes=800)

    error = rejection([("up.zip", zip_bytes({"a.txt": b"a" * 600, "b.txt": b"b" * 600}, zipfile.ZIP_STORED))],
                      limits)

    assert error.limit == "total_size"


def test_a_zip_bomb_member_is_refused_by_its_compression_ratio() -> None:
    bomb = zip_bytes({"bomb.txt": b"\0" * (4 * 1024 * 1024)})

    error = rejection([("up.zip", bomb)])

    assert error.limit == "compression_ratio"
    assert "bomb.txt" in error.detail


def test_a_zip_whose_header_lies_about_a_member_size_is_refused() -> None:
    data = bytearray(zip_bytes({"a.txt": b"a" * 4000}, zipfile.ZIP_STORED))
    limits = UploadLimits(max_file_bytes=1000)
    # the central directory claims 10 bytes; the member still holds 4000
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (10).to_bytes(4, "little")

    assert rejection([("up.zip", bytes(data))], limits).limit in {"archive", "file_size"}


def test_binary_files_are_skipped_and_listed() -> None:
    files, skipped = unpack_upload([("agent.py", b"print(1)\n"), ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")])

    assert list(files) == ["agent.py"]
    assert [(s.file, s.reason) for s in skipped] == [("logo.png", "binary")]


def test_a_nested_archive_is_kept_as_a_file_and_not_unpacked() -> None:
    inner = zip_bytes({"inner.py": b"x = 1\n"})

    files, skipped = unpack_upload([("up.zip", zip_bytes({"agent.py": b"x\n", "vendor.zip": inner}))])

    assert list(files) == ["agent.py"]
    assert [(s.file, s.reason) for s in skipped] == [("vendor.zip", "binary")]


def test_a_corrupt_archive_is_refused() -> None:
    assert rejection([("up.zip", b"PK\x03\x04 not really")]).limit == "archive"
    assert rejection([("up.tar.gz", b"\x1f\x8b garbage")]).limit == "archive"


def test_macos_metadata_is_ignored() -> None:
    files, _ = unpack_upload([("up.zip", zip_bytes({"a/agent.py": b"x\n", "__MACOSX/a/._agent.py": b"\0\0",
                                                    "a/.DS_Store": b"\0"}))])

    assert files == {"agent.py": b"x\n"}


# Hostile archives (issue 13): everything an archive unpacks to is counted as it streams, headers that
# tarfile would read whole are refused by their size first, and folders count as entries.

MIB = 1024 * 1024


def raw_header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def raw_file(name: str, data: bytes) -> bytes:
    return raw_header(name, tarfile.REGTYPE, len(data)) + padded(data)


def gzipped(parts: list[bytes] | Iterator[bytes]) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join([compressor.compress(part) for part in parts] + [compressor.flush()])


def zeros(size: int) -> Iterator[bytes]:
    for start in range(0, size, MIB):
        yield b"\0" * min(MIB, size - start)


def test_a_huge_pax_header_is_refused_before_it_is_read() -> None:
    value = "a" * (8 * MIB)
    info = tarfile.TarInfo("agent.py")
    info.pax_headers = {"comment": value}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info, io.BytesIO(b""))

    error = rejection([("up.tar.gz", buffer.getvalue())])

    assert error.limit == "header_size"
    assert error.maximum == UploadLimits().max_header_bytes
    assert "65536 bytes" in error.detail


def test_a_huge_gnu_long_name_is_refused_before_it_is_read() -> None:
    name = "a" * (4 * MIB)
    archive = gzipped([raw_header("././@LongLink", tarfile.GNUTYPE_LONGNAME, len(name) + 1),
                       padded(name.encode() + b"\0"), raw_file("placeholder.py", b"x = 1\n"), b"\0" * 1024])

    error = rejection([("up.tgz", archive)])

    assert error.limit == "header_size"
    assert len(error.detail) < 300


def test_a_long_path_under_the_header_limit_is_refused_by_its_length() -> None:
    name = "pkg/" + "a" * 2000 + ".py"

    assert rejection([("up.tar", tar_bytes([(name, b"x = 1\n")], mode="w"))]).limit == "path_length"
    assert rejection([("up.zip", zip_bytes({name: b"x = 1\n"}))]).limit == "path_length"
    assert rejection([("up.zip", zip_bytes({"b" * 300 + ".py": b"x = 1\n"}))]).limit == "path_length"


def test_a_refusal_quotes_a_long_name_cut_short() -> None:
    error = rejection([("../" + "a" * 100_000, b"x")])

    assert error.limit == "path_traversal"
    assert len(error.detail) < 300


def test_ignored_members_count_toward_what_a_tar_unpacks_to() -> None:
    size = 80 * MIB  # over the 64 MiB of everything unpacked, though ignored and made of one file
    archive = gzipped(iter([raw_file("agent.py", b"x = 1\n"), raw_header("a/.DS_Store", tarfile.REGTYPE, size),
                            *zeros(size), b"\0" * 1024]))

    error = rejection([("up.tar.gz", archive)], UploadLimits(max_compression_ratio=10**6))

    assert error.limit == "unpacked_size"
    assert error.maximum == 64 * MIB


def test_a_tar_bomb_is_refused_by_its_compression_ratio() -> None:
    archive = tar_bytes([("agent.py", b"x = 1\n"), ("data.txt", b"\0" * (4 * MIB))])  # 4 MiB in ~4 KB

    error = rejection([("up.tgz", archive)])

    assert error.limit == "compression_ratio"
    assert "100 times" in error.detail


def test_a_zip_of_many_members_each_under_the_ratio_floor_is_refused_by_its_ratio() -> None:
    archive = zip_bytes({"agent.py": b"x = 1\n"} | {f"data/{index}.txt": b"\0" * (60 * 1024) for index in range(800)})

    assert rejection([("up.zip", archive)]).limit == "compression_ratio"


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_folders_count_toward_the_entry_limit(kind: str) -> None:
    limits = UploadLimits()
    folders = [f"d{index}/" for index in range(limits.max_entries)]
    if kind == "tar":
        archive = gzipped([raw_file("agent.py", b"x = 1\n"), *(raw_header(f, tarfile.DIRTYPE, 0) for f in folders),
                           b"\0" * 1024])
    else:
        archive = zip_bytes({"agent.py": b"x = 1\n"} | dict.fromkeys(folders, b""), zipfile.ZIP_STORED)

    error = rejection([(f"up.{kind}", archive)])

    assert error.limit == "entry_count"
    assert error.maximum == limits.max_entries


def test_a_chain_of_extended_headers_is_refused() -> None:
    record = b"12 comment=\n"
    headers = [raw_header("././@PaxHeader", tarfile.XHDTYPE, len(record)) + padded(record) for _ in range(50)]

    assert rejection([("up.tar", b"".join([*headers, raw_file("agent.py", b"x\n"), b"\0" * 1024]))]).limit == "archive"


def test_a_gnu_sparse_file_is_refused() -> None:
    records = b"".join(f"{len(line) + 3} {line}\n".encode() if len(line) < 7 else
                       f"{len(line) + 4} {line}\n".encode() for line in
                       ["GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=agent.py",
                        "GNU.sparse.realsize=10"])
    sparse_map = b"1000000000\n" + b"0\n" * 2000
    archive = b"".join([raw_header("././@PaxHeader", tarfile.XHDTYPE, len(records)), padded(records),
                        raw_header("GNUSparseFile.0/agent.py", tarfile.REGTYPE, len(sparse_map)), padded(sparse_map),
                        b"\0" * 1024])

    assert rejection([("up.tar", archive)]).limit == "special_file"


def test_a_concatenated_gzip_tar_is_read_whole() -> None:
    first = raw_file("pkg/agent.py", b"x = 1\n")  # no end-of-archive blocks: the tar goes on in the next stream
    second = tar_bytes([("pkg/tools.py", b"y = 2\n")], mode="w")
    archive = gzip.compress(first) + gzip.compress(second)

    files, _ = unpack_upload([("up.tar.gz", archive)])

    assert files == {"agent.py": b"x = 1\n", "tools.py": b"y = 2\n"}


@pytest.mark.parametrize("compression", ["bz2", "xz"])
def test_bzip2_and_xz_tars_are_still_read(compression: Literal["bz2", "xz"]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as archive:
        info = tarfile.TarInfo("agent.py")
        info.size = 6
        archive.addfile(info, io.BytesIO(b"x = 1\n"))

    files, _ = unpack_upload([("up.tar", buffer.getvalue())])

    assert files == {"agent.py": b"x = 1\n"}


def test_a_stored_zip_inside_a_zip_does_not_count_toward_its_entries() -> None:
    inner = zip_bytes(dict.fromkeys((f"d{index}/" for index in range(UploadLimits().max_entries + 1)), b""),
                      zipfile.ZIP_STORED)
    outer = zip_bytes({"agent.py": b"x = 1\n", "vendor/inner.zip": inner}, zipfile.ZIP_STORED)

    files, skipped = unpack_upload([("up.zip", outer)])

    assert list(files) == ["agent.py"]
    assert [s.file for s in skipped] == ["vendor/inner.zip"]


def test_a_zip_whose_central_directory_cannot_be_walked_is_refused() -> None:
    flood = bytearray(zip_bytes(dict.fromkeys((f"d{index}/" for index in range(UploadLimits().max_entries + 1)), b""),
                                zipfile.ZIP_STORED))
    end = flood.rfind(b"PK\x05\x06")
    flood[end + 12 : end + 16] = (len(flood) * 2).to_bytes(4, "little")  # a directory larger than the file

    assert rejection([("up.zip", bytes(flood))]).limit == "archive"
