"""Statically known strings: literal text mixed with named unknown parts.

A URL like f"{ECHO_URL}/echo" is kept as parts so that later stages can tell which
prefix came from where (an env var, a named constant, a client's base_url)."""

from dataclasses import dataclass
from typing import Literal

OriginKind = Literal["env", "tool", "name", "client"]
MAX_PARTS = 24
"""Long generated strings (SQL, templates) are cut here; URLs and model names need far fewer parts."""


@dataclass(frozen=True, slots=True)
class Origin:
    kind: OriginKind
    name: str


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    """Literal text when known, else the label of the unknown part."""
    known: bool
    origin: Origin | None = None

    def render(self) -> str:
        return self.text if self.known else "{" + self.text + "}"


@dataclass(frozen=True, slots=True)
class StrValue:
    parts: tuple[Part, ...]

    @staticmethod
    def literal(text: str, origin: Origin | None = None) -> "StrValue":
        return StrValue((Part(text, True, origin),)) if text else StrValue(())

    @staticmethod
    def unknown(label: str, origin: Origin | None = None) -> "StrValue":
        return StrValue((Part(label, False, origin),))

    def render(self) -> str:
        return "".join(part.render() for part in self.parts)

    @property
    def is_known(self) -> bool:
        return all(part.known for part in self.parts)

    @property
    def has_known_text(self) -> bool:
        return any(part.known and part.text for part in self.parts)

    def known_prefix(self) -> str:
        text = []
        for part in self.parts:
            if not part.known:
                break
            text.append(part.text)
        return "".join(text)

    def concat(self, other: "StrValue") -> "StrValue":
        if not self.parts:
            return other
        if not other.parts:
            return self
        left, right = self.parts[-1], other.parts[0]
        if left.known and right.known and left.origin == right.origin:
            merged = Part(left.text + right.text, True, left.origin)
            parts = (*self.parts[:-1], merged, *other.parts[1:])
        else:
            parts = self.parts + other.parts
        if len(parts) > MAX_PARTS:
            parts = (*parts[: MAX_PARTS - 1], Part("...", False))
        return StrValue(parts)

    def with_origin(self, origin: Origin, *, override: bool) -> "StrValue":
        if not override and all(part.origin is not None for part in self.parts):
            return self
        return StrValue(
            tuple(
                Part(part.text, part.known, origin) if override or part.origin is None else part
                for part in self.parts
            )
        )

    def leading_origin(self) -> tuple[Origin | None, "StrValue", "StrValue"]:
        """Split into (origin of the first part, the run of parts sharing it, the rest)."""
        if not self.parts:
            return None, self, self
        origin = self.parts[0].origin
        count = 1
        while count < len(self.parts) and self.parts[count].origin == origin:
            count += 1
        return origin, StrValue(self.parts[:count]), StrValue(self.parts[count:])

    def map_known_text(self, index: int, text: str) -> "StrValue":
        parts = list(self.parts)
        parts[index] = Part(text, parts[index].known, parts[index].origin)
        return StrValue(tuple(part for part in parts if part.text or not part.known))


EMPTY = StrValue(())


def join_values(values: list[StrValue]) -> StrValue:
    result = EMPTY
    for value in values:
        result = result.concat(value)
    return result
