"""An agent's log as a user reads it: the tail and the lines that follow, with the secrets it printed masked."""

import asyncio
import time
from pathlib import Path

from runagents_deployer.agents import logs
from runagents_deployer.agents.masking import MASK, Masker

GATEWAY_KEY = "ra-agent-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"
INVOKE_KEY = "ra-invoke-c2VjcmV0LWludm9rZS1rZXktMTIz"


def test_the_agents_keys_secret_variables_and_provider_shaped_keys_are_masked() -> None:
    masker = Masker.of([GATEWAY_KEY, "exact-value-of-a-secret"], {"STRIPE_SECRET": "whsec_live_123456789",
                                                                  "LOG_LEVEL": "debugging-verbosely"})
    line = (f"key={GATEWAY_KEY} invoke {INVOKE_KEY} exact-value-of-a-secret whsec_live_123456789 "
            "OPENAI_API_KEY=sk-live-abc123 Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30 sk-proj-abcdefghijklmnop "
            "level debugging-verbosely, 12 completion tokens")
    masked = masker.mask(line)
    for secret in (GATEWAY_KEY, INVOKE_KEY, "exact-value-of-a-secret", "whsec_live_123456789", "sk-live-abc123",
                   "eyJhbGciOiJIUzI1NiJ9", "sk-proj-abcdefghijklmnop"):
        assert secret not in masked, secret
    assert f"OPENAI_API_KEY={MASK}" in masked and f"Bearer {MASK}" in masked
    assert "level debugging-verbosely, 12 completion tokens" in masked  # what is not secret stays readable


def test_the_tail_is_the_last_complete_lines_masked(tmp_path: Path) -> None:
    log = tmp_path / "deployment.log"
    log.write_bytes(b"".join(f"line {n}\n".encode() for n in range(1, 101)) + f"key {GATEWAY_KEY}\n".encode()
                    + b"half a li")
    lines, offset = logs.tail(log, 3, Masker.of([GATEWAY_KEY]))
    assert lines == ["line 99", "line 100", f"key {MASK}"]
    assert offset == log.stat().st_size - len(b"half a li")  # the line being written is left to the follower
    assert logs.tail(log, 0, Masker(()))[0] == []


async def test_following_yields_each_line_once_it_is_complete_until_the_reader_leaves(tmp_path: Path) -> None:
    log = tmp_path / "deployment.log"
    log.write_bytes(b"before\n")
    _, offset = logs.tail(log, 10, Masker(()))
    left = asyncio.Event()

    async def gone() -> bool:
        return left.is_set()

    async def write() -> None:
        with log.open("ab") as file:
            for chunk in (b"first ", b"half\n", f"then {INVOKE_KEY}\n".encode()):
                file.write(chunk)
                file.flush()
                await asyncio.sleep(0.05)

    writer = asyncio.create_task(write())
    followed: list[str | None] = []
    async for line in logs.follow(log, offset, Masker(()), gone, idle_seconds=0.5):
        followed.append(line)
        if line is None:  # quiet since the two lines: a keep-alive, then the reader leaves
            left.set()
    await writer
    assert followed == ["first half", f"then {MASK}", None]


def test_a_long_crafted_log_line_is_masked_in_linear_time() -> None:
    """What an agent prints is the input: a guard against super-linear blow-up, not a speed test (a
    backtracking engine needs minutes for this line, RE2 milliseconds; the bound is 1 s of CPU)."""
    started = time.thread_time()
    masked = Masker.of([]).mask("token" * 40_000 + " TOKEN=abcdefgh")
    assert time.thread_time() - started < 1.0
    assert masked.endswith(f"TOKEN={MASK}")
