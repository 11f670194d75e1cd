"""Opaque keyset cursors for the audit list: (at, id) of the last entry of a page."""

import base64
import binascii
import json
from datetime import datetime

from runagents_common.errors import InvalidRequest


def encode(at: datetime, entry_id: str) -> str:
    raw = json.dumps([at.isoformat(), entry_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, entry_id = json.loads(raw)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(entry_id, str):
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidRequest("cursor is not one this API returned") from exc
    return moment, entry_id
