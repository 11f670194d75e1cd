"""Opaque keyset cursors for the runs list: (started_at, id) of the last run of a page."""

import base64
import binascii
import json
from datetime import datetime

from runagents_common.errors import InvalidRequest


def encode(started_at: datetime, run_id: str) -> str:
    raw = json.dumps([started_at.isoformat(), run_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, run_id = json.loads(raw)
        moment = datetime.fromisoformat(started_at)
        if moment.tzinfo is None or not isinstance(run_id, str):
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidRequest("cursor is not one this API returned") from exc
    return moment, run_id
