"""UTF-16 and UTF-32 sources are text (issue 13): decoded and analyzed, not skipped as binary."""

import os
import struct
from pathlib import Path

import pytest

import runagents_analyzer
from runagents_analyzer.engine import analyze_files, unpack_upload
from runagents_analyzer.engine.sources import decode_text, is_binary

AGENT = (Path(runagents_analyzer.__file__).parent / "samples" / "hello_world" / "agent.py").read_text()
ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]
"""utf-16, utf-32 and utf-8-sig write a byte order mark; utf-16-le and -be do not."""


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_python_file_in_utf16_or_utf32_with_a_tool_call_is_analyzed(encoding: str) -> None:
    expected = analyze_files({"agent.py": AGENT.encode()}).model_dump()

    report = analyze_files({"agent.py": AGENT.encode(encoding)}).model_dump()

    assert report["skipped"] == [] and report["errors"] == []
    assert report["files"] == ["agent.py"]
    assert report["tools"] == expected["tools"]
    assert report["tools"][0]["calls"][0]["method"] == "POST"
    assert report["llm_usage"] == expected["llm_usage"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_upload_in_utf16_or_utf32_is_kept_and_decoded_whole(encoding: str) -> None:
    text = "# café, naïve — 日本語\n" + AGENT

    files, skipped = unpack_upload([("agent.py", text.encode(encoding)), ("README.md", b"hi\n")])

    assert skipped == []
    assert decode_text(files["agent.py"]) == text


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\x7fELF\x02\x01\x01\x00" + bytes(56),
    struct.pack("<512H", *range(512)),  # NULs mostly on one side of the pairs, but on both
    struct.pack("<512H", *(index % 200 + 1 for index in range(512))),  # on one side, but control characters
    b"\xff\xfe" + b"\x00\xd8" * 10,  # a byte order mark before lone surrogates
    os.urandom(4096) + b"\x00",
])
def test_binary_files_are_still_binary(data: bytes) -> None:
    assert is_binary(data)
