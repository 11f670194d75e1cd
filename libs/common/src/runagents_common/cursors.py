"""Opaque keyset cursors for list endpoints: (time, id) of the last item of a page, newest-first lists."""

import base64
import binascii
import json
from datetime import datetime

from runagents_common.errors import InvalidRequest


def encode_cursor(at: datetime, item_id: str) -> str:
    raw = json.dumps([at.isoformat(), item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor of :func:`encode_cursor` holds; 422 for anything this API did not return."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, item_id = json.loads(raw)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(item_id, str):
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidRequest("cursor is not one this API returned") from exc
    return moment, item_id
