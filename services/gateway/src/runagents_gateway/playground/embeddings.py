"""Deterministic hash-based embeddings: a sum of one pseudo-random vector per word, normalised.

Texts sharing words get correlated vectors, so similarity search behaves plausibly offline.
"""

import base64
import hashlib
import math
import struct
from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError
from runagents_gateway.playground.text import words

DEFAULT_DIMENSIONS = 16
_BYTES_PER_COMPONENT = 2
_COMPONENT_SCALE = 32767.5


def embedding_inputs(raw_input: Any) -> list[str]:
    """The texts to embed from an embeddings `input`: a string, strings, token ids or token-id lists."""
    if isinstance(raw_input, str):
        return [raw_input]
    if isinstance(raw_input, list) and raw_input:
        if all(isinstance(item, str) for item in raw_input):
            return list(raw_input)
        if all(_is_token_id(item) for item in raw_input):
            return [_token_text(raw_input)]
        if all(isinstance(item, list) and all(_is_token_id(t) for t in item) for item in raw_input):
            return [_token_text(item) for item in raw_input]
    raise PlaygroundRequestError("'input' must be a string, a list of strings, or token-id lists")


def embedding_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector of `dimensions` floats, the same for the same text."""
    tokens = words(text) or [text]
    totals = [0.0] * dimensions
    for token in tokens:
        for position, component in enumerate(_word_vector(token, dimensions)):
            totals[position] += component
    norm = math.sqrt(sum(component * component for component in totals))
    if norm == 0.0:
        return [1.0] + [0.0] * (dimensions - 1)
    return [component / norm for component in totals]


def encode_base64(vector: list[float]) -> str:
    """The vector as little-endian float32 bytes in base64, as OpenAI's `encoding_format=base64`."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _word_vector(token: str, dimensions: int) -> list[float]:
    needed = dimensions * _BYTES_PER_COMPONENT
    stream = b""
    block = 0
    while len(stream) < needed:
        stream += hashlib.sha256(f"{block}\x00{token}".encode()).digest()
        block += 1
    return [
        int.from_bytes(stream[i : i + _BYTES_PER_COMPONENT], "big") / _COMPONENT_SCALE - 1.0
        for i in range(0, needed, _BYTES_PER_COMPONENT)
    ]


def _is_token_id(item: Any) -> bool:
    return isinstance(item, int) and not isinstance(item, bool)


def _token_text(token_ids: list[int]) -> str:
    return " ".join(f"token{token_id}" for token_id in token_ids)
