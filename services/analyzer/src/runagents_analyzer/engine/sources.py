"""Turning uploaded bytes into decoded text files and parsed Python modules."""

import ast
import codecs
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .report import AnalysisError, SkippedFile

MAX_FILE_BYTES = 5 * 1024 * 1024
BINARY_SNIFF_BYTES = 8192
PYTHON_SUFFIXES = (".py", ".pyw")
JAVASCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
IGNORED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", "site-packages", "__MACOSX"}
)


@dataclass(slots=True)
class TextFile:
    path: str
    text: str
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = self.text.splitlines()

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.path).suffix.lower()

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def is_python(self) -> bool:
        return self.suffix in PYTHON_SUFFIXES

    @property
    def is_javascript(self) -> bool:
        return self.suffix in JAVASCRIPT_SUFFIXES and not self.path.endswith(".d.ts")


@dataclass(slots=True)
class ParsedPython:
    file: TextFile
    tree: ast.Module
    module_name: str


@dataclass(slots=True)
class SourceSet:
    files: list[TextFile]
    python: list[ParsedPython]
    errors: list[AnalysisError]
    skipped: list[SkippedFile]


# Longest first: a UTF-32-LE mark begins with the UTF-16-LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
MIN_PRINTABLE_SHARE = 0.95
"""Of a UTF-16 guess without a byte order mark: the share of printable characters that makes it text."""


def text_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding ``data`` is text in and the length of its byte order mark; None if it is binary.

    Text is UTF-8 (or a legacy 8-bit encoding) without NUL bytes, or UTF-16/UTF-32 with a byte order
    mark, or UTF-16 without one (as Windows tools write it: mostly ASCII, so every other byte is NUL)."""
    sample = data[:BINARY_SNIFF_BYTES]
    for mark, encoding in BYTE_ORDER_MARKS:
        if sample.startswith(mark):
            if encoding == "utf-8" and b"\x00" not in sample:
                return encoding, len(mark)
            text = _decoded_start(sample[len(mark) :], encoding)
            return (encoding, len(mark)) if text is not None and "\x00" not in text else None
    if b"\x00" not in sample:
        return "utf-8", 0
    guess = _utf16_without_mark(sample)
    if guess is None:
        return None
    text = _decoded_start(sample, guess)
    if not text or "\x00" in text:
        return None
    printable = sum(1 for char in text if char.isprintable() or char in "\t\n\r\f")
    return (guess, 0) if printable >= MIN_PRINTABLE_SHARE * len(text) else None


def _utf16_without_mark(sample: bytes) -> str | None:
    """utf-16-le or -be if NULs fall on one side of the byte pairs only, and on most pairs of it."""
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_even == 0 and zeros_odd * 2 >= len(odd):
        return "utf-16-le"
    if zeros_odd == 0 and zeros_even * 2 >= len(even):
        return "utf-16-be"
    return None


def _decoded_start(sample: bytes, encoding: str) -> str | None:
    # incremental: a character cut by the sample's end is not an error
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def is_binary(data: bytes) -> bool:
    return text_encoding(data) is None


def decode_text(data: bytes) -> str:
    encoding, mark = text_encoding(data) or ("utf-8", 0)
    data = data[mark:]
    if encoding != "utf-8":
        return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_tree(root: Path) -> tuple[dict[str, bytes], list[SkippedFile]]:
    """Read every regular file under root (symlinks are not followed)."""
    files: dict[str, bytes] = {}
    skipped: list[SkippedFile] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in IGNORED_DIRECTORIES for part in relative.parts[:-1]):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        name = relative.as_posix()
        if path.stat().st_size > MAX_FILE_BYTES:
            skipped.append(SkippedFile(file=name, reason=f"larger than {MAX_FILE_BYTES} bytes"))
            continue
        files[name] = path.read_bytes()
    return files, skipped


def module_name_for(path: str) -> str:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def load_sources(files: dict[str, bytes]) -> SourceSet:
    texts: list[TextFile] = []
    python: list[ParsedPython] = []
    errors: list[AnalysisError] = []
    skipped: list[SkippedFile] = []
    for path in sorted(files):
        data = files[path]
        if is_binary(data):
            skipped.append(SkippedFile(file=path, reason="binary"))
            continue
        if len(data) > MAX_FILE_BYTES:
            skipped.append(SkippedFile(file=path, reason=f"larger than {MAX_FILE_BYTES} bytes"))
            continue
        text_file = TextFile(path=path, text=decode_text(data))
        texts.append(text_file)
        if text_file.is_python:
            parsed = parse_python(text_file)
            if isinstance(parsed, AnalysisError):
                errors.append(parsed)
            else:
                python.append(parsed)
    return SourceSet(files=texts, python=python, errors=errors, skipped=skipped)


def parse_python(text_file: TextFile) -> ParsedPython | AnalysisError:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in analyzed code are not our concern
            tree = ast.parse(text_file.text, filename=text_file.path)
    except SyntaxError as error:
        return AnalysisError(file=text_file.path, line=error.lineno or 0, message=error.msg)
    except (ValueError, RecursionError, MemoryError) as error:
        return AnalysisError(file=text_file.path, line=0, message=f"could not parse: {error}")
    return ParsedPython(file=text_file, tree=tree, module_name=module_name_for(text_file.path))
