"""Regular expressions for uploaded text, compiled by RE2.

Python's ``re`` backtracks: a pattern with nested or adjacent quantifiers can take exponential or
quadratic time on a crafted input (a 110-byte README once held the whole platform for 23 s). RE2
runs an automaton instead, so one search is linear in the text whatever the pattern is. Every
pattern the engine applies to uploaded content is compiled here; ``re`` is not imported by the
engine at all (a test keeps it that way).

RE2 has no lookaround and no backreferences: a pattern that needs one is rewritten and the rest
checked in Python. Its ``\\w``, ``\\s`` and ``\\b`` are ASCII-only, where Python's are Unicode; the
classes below spell out Python's meaning where it matters.
"""

from collections.abc import Iterator
from typing import Protocol, cast

import re2

WORD = r"\pL\pN_"
"""Inside a character class: what Python's ``\\w`` matches in a str (``c.isalnum() or c == "_"``)."""
SPACE = r"\t-\r\x{1c}-\x{1f}\x{85}\pZ"
"""Inside a character class: what Python's ``\\s`` matches in a str (``c.isspace()``)."""



class Match(Protocol):
    """What the engine reads of an RE2 match (the same names as ``re.Match``)."""

    def group(self, group: int | str = 0, /) -> str: ...
    def groupdict(self) -> dict[str, str | None]: ...
    def start(self, group: int = 0, /) -> int: ...
    def end(self, group: int = 0, /) -> int: ...


class Pattern(Protocol):
    """What the engine calls on a compiled RE2 pattern (google-re2 ships no type information)."""

    def search(self, text: str) -> Match | None: ...
    def match(self, text: str) -> Match | None: ...
    def finditer(self, text: str) -> Iterator[Match]: ...
    def findall(self, text: str) -> list[str]: ...
    def sub(self, replacement: str, text: str) -> str: ...


def compile_linear(pattern: str) -> Pattern:
    """Compile ``pattern`` with RE2 (raises ``re2.error`` on syntax RE2 lacks, such as lookaround)."""
    return cast(Pattern, re2.compile(pattern))


def is_word_character(character: str) -> bool:
    """Python's ``\\w`` for one character."""
    return character.isalnum() or character == "_"
