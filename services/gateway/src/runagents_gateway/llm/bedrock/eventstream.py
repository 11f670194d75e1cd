"""AWS's binary event-stream encoding (``application/vnd.amazon.eventstream``), decoded as it arrives.

A message is a prelude (total length u32, headers length u32, CRC32 of those eight bytes), headers
(name length u8, name, value type u8, value), a payload and a CRC32 of everything before it; all
integers big-endian. A message may arrive split across any number of reads.
"""

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_PRELUDE_BYTES = 12
_CRC_BYTES = 4
# As botocore: headers up to 128 KiB, a payload up to 24 MiB; anything larger is not a Bedrock event.
MAX_HEADERS_BYTES = 128 * 1024
MAX_PAYLOAD_BYTES = 24 * 1024 * 1024

HeaderValue = bool | int | bytes | str
# Value type -> struct format, for the fixed-size values (8 is a timestamp in epoch milliseconds).
_FIXED_TYPES = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}
_BYTES, _STRING, _UUID = 6, 7, 9


class EventStreamError(ValueError):
    """The bytes are no well-formed event stream: a checksum, a length or a header does not add up."""


@dataclass(frozen=True)
class EventMessage:
    headers: dict[str, HeaderValue]
    payload: bytes

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if isinstance(value, str) else None

    @property
    def message_type(self) -> str:
        """``event``, ``exception`` or ``error``."""
        return self.header(":message-type") or "event"


class EventStreamDecoder:
    """Feed it the body as it arrives; it returns each message once all its bytes are in."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[EventMessage]:
        """The messages complete with ``data``, one by one: a message that does not decode raises
        only after the ones before it were taken."""
        self._buffer += data
        return self._messages()

    def _messages(self) -> Iterator[EventMessage]:
        while len(self._buffer) >= _PRELUDE_BYTES:
            total, headers_length = _prelude(self._buffer)
            if len(self._buffer) < total:
                return
            message = bytes(self._buffer[:total])
            del self._buffer[:total]
            yield _message(message, headers_length)

    def finish(self) -> None:
        """The body ended: raises when it ended inside a message."""
        if self._buffer:
            raise EventStreamError(f"the stream ended inside a message ({len(self._buffer)} bytes of it arrived)")


def _prelude(buffer: bytearray) -> tuple[int, int]:
    total, headers_length, prelude_crc = struct.unpack_from(">III", buffer)
    if zlib.crc32(buffer[:8]) != prelude_crc:
        raise EventStreamError("prelude checksum mismatch")
    if headers_length > MAX_HEADERS_BYTES:
        raise EventStreamError(f"headers of {headers_length} bytes exceed the limit")
    payload_length = total - _PRELUDE_BYTES - headers_length - _CRC_BYTES
    if payload_length < 0:
        raise EventStreamError(f"a message of {total} bytes cannot hold {headers_length} bytes of headers")
    if payload_length > MAX_PAYLOAD_BYTES:
        raise EventStreamError(f"a payload of {payload_length} bytes exceeds the limit")
    return total, headers_length


def _message(message: bytes, headers_length: int) -> EventMessage:
    (message_crc,) = struct.unpack_from(">I", message, len(message) - _CRC_BYTES)
    if zlib.crc32(message[:-_CRC_BYTES]) != message_crc:
        raise EventStreamError("message checksum mismatch")
    headers_end = _PRELUDE_BYTES + headers_length
    return EventMessage(_headers(message[_PRELUDE_BYTES:headers_end]), message[headers_end:-_CRC_BYTES])


def _headers(data: bytes) -> dict[str, HeaderValue]:
    headers: dict[str, HeaderValue] = {}
    at = 0
    while at < len(data):
        name_length = data[at]
        name_bytes = _take(data, at + 1, name_length)
        at += 1 + name_length
        value_type = _take(data, at, 1)[0]
        at += 1
        value: HeaderValue
        if value_type in (0, 1):
            value = value_type == 0
        elif value_type in _FIXED_TYPES:
            size = struct.calcsize(_FIXED_TYPES[value_type])
            (value,) = struct.unpack(_FIXED_TYPES[value_type], _take(data, at, size))
            at += size
        elif value_type in (_BYTES, _STRING):
            (length,) = struct.unpack(">H", _take(data, at, 2))
            raw = _take(data, at + 2, length)
            at += 2 + length
            value = _text(raw) if value_type == _STRING else raw
        elif value_type == _UUID:
            value = _take(data, at, 16)
            at += 16
        else:
            raise EventStreamError(f"unknown header value type {value_type}")
        headers[_text(name_bytes)] = value
    return headers


def _take(data: bytes, at: int, size: int) -> bytes:
    if at + size > len(data):
        raise EventStreamError("a header runs past the end of the headers")
    return data[at:at + size]


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise EventStreamError("a header is not UTF-8") from exc
