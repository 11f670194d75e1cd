"""What identifies a run on the wire: its id and the headers its calls carry.

The agent runtime sends :data:`RUN_ID_HEADER` and :data:`RUN_SEQ_HEADER` on every outbound call
it makes during a run (the gateway and the egress layer read them), and reads :data:`INVOKE_KEY_HEADER`
on the invokes the front door sends it. The runtime cannot import this
package (it runs inside the agent's own environment), so it spells the same names in
``runagents_runtime.propagation``; a test in tests/ holds the two spellings equal.

Run ids: minted by the platform's front door, time-ordered, so that the moment a run was
announced can be read from its id.

A run id is a UUIDv7 in 32 lowercase hex digits: its first 48 bits are the Unix time in
milliseconds when the front door minted it, then random bits. The runs service uses that to tell
an id it has not ingested yet but that was just handed to a caller (it waits for the run's first
event a moment) from an id that names nothing (404 at once).
"""

import os
import re
import time
from datetime import UTC, datetime

RUN_ID_HEADER = "X-RunAgents-Run-Id"
"""The run an inbound or outbound call belongs to."""
RUN_SEQ_HEADER = "X-RunAgents-Run-Seq"
"""The call's number within its run (1, 2, ...), in the order the run's process started its calls."""
AGENT_HEADER = "X-RunAgents-Agent"
"""The agent that makes the call."""
INVOKE_KEY_HEADER = "X-RunAgents-Invoke-Key"
"""The deployment's invoke key, which the front door sends with each invoke; the runtime serves
/invoke and /invoke/stream only with it."""

_MAX_SEQ = 2**31 - 1
_DIGITS = re.compile(r"^[0-9]{1,10}$")
_UUID7_HEX = re.compile(r"^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$")


def new_run_id(now_ms: int | None = None) -> str:
    """A fresh run id (UUIDv7, hex) stamped with the current time, or with ``now_ms``."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    random = int.from_bytes(os.urandom(10), "big")
    rand_a = random >> 68  # 12 bits
    rand_b = random & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return f"{value:032x}"


def minted_at(run_id: str) -> datetime | None:
    """When the front door minted ``run_id``; None for an id of another form (older runs', a typo)."""
    if not _UUID7_HEX.match(run_id):
        return None
    return datetime.fromtimestamp(int(run_id[:12], 16) / 1000, tz=UTC)


def run_seq_of(value: str | None) -> int | None:
    """A call's number from the :data:`RUN_SEQ_HEADER` value; None when absent or not a number in range."""
    if value is None or not _DIGITS.match(value.strip()):
        return None
    seq = int(value.strip())
    return seq if 1 <= seq <= _MAX_SEQ else None
