"""Plain-text helpers: message content extraction, keyword extraction and delta splitting."""

import re
from typing import Any

STOP_WORDS: frozenset[str] = frozenset(
    {
        "about", "after", "all", "also", "and", "any", "are", "but", "call", "can", "could", "did",
        "does", "for", "from", "function", "get", "had", "has", "have", "her", "his", "how", "into",
        "its", "just", "let", "may", "more", "not", "now", "of", "our", "out", "please", "say",
        "she", "should", "some", "than", "that", "the", "their", "them", "then", "there", "these",
        "they", "this", "through", "tool", "tools", "use", "using", "via", "was", "were", "what",
        "when", "which", "who", "why", "will", "with", "would", "you", "your",
    }
)  # fmt: skip
MIN_KEYWORD_LENGTH = 3

_CAMEL_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[^\W_]+")
_BEFORE_WORD = re.compile(r"(?<=\s)(?=\S)")


def content_text(content: Any) -> str:
    """The text of an OpenAI message `content`: a string, a list of content parts, or null."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part if isinstance(part, str) else _part_text(part) for part in content]
        return "\n".join(text for text in texts if text)
    return str(content)


def _part_text(part: Any) -> str:
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return str(part["text"])
    return ""


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, splitting camelCase, snake_case and punctuation."""
    return _WORD.findall(_CAMEL_BOUNDARY.sub(r"\1 \2", text).lower())


def keywords(text: str) -> set[str]:
    """The meaningful words of `text`: no stop words, none shorter than three characters."""
    return {word for word in words(text) if len(word) >= MIN_KEYWORD_LENGTH and word not in STOP_WORDS}


def word_deltas(text: str) -> list[str]:
    """`text` cut before each word so the pieces join back to exactly `text`."""
    return [piece for piece in _BEFORE_WORD.split(text) if piece]
