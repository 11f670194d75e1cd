"""Safe unpacking of uploads: every refusal names its limit; nothing escapes the upload folder."""

import io
import tarfile
import zipfile
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
