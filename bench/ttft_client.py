"""Time to first token of streamed chat completions, as a client sees it (wrk cannot tell).

    python bench/ttft_client.py URL --concurrency 16 --duration 3 [--key KEY] [--model bench-model]

`--concurrency` workers, each on its own connection of one aiohttp session, POST a streaming
chat completion to URL one after the other for `--duration` seconds. For each: the time from
sending the request to the first bytes of a chunk whose delta carries text (TTFT), and to the end of the
stream. Every answer must be 200 and end with `data: [DONE]`. Prints one JSON object: counts,
failures, TTFT and full-stream p50/p99 in ms. bench/gateway.py runs it in its own process.
"""

import argparse
import asyncio
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

try:
    import uvloop
except ImportError:  # the client's own cost is lower with it, but it is optional
    uvloop = None  # type: ignore[assignment]


@dataclass
class Samples:
    ttft: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


# A delta with text, however the sender spaced its JSON: `"content": "w` (an empty "" is not text).
CONTENT = re.compile(rb'"content":\s*"[^"]')


async def one_stream(session: aiohttp.ClientSession, url: str, body: bytes, samples: Samples) -> None:
    started = time.perf_counter()
    first: float | None = None
    async with session.post(url, data=body) as response:
        if response.status != 200:
            samples.failures.append(f"status {response.status}: {(await response.read())[:200]!r}")
            return
        seen = b""
        async for data in response.content.iter_any():
            seen += data
            if CONTENT.search(seen):
                first = time.perf_counter()
                break
        rest = seen + await response.read()
    ended = time.perf_counter()
    if first is None or b"data: [DONE]" not in rest:
        samples.failures.append("stream without content or without data: [DONE]")
        return
    samples.ttft.append((first - started) * 1000)
    samples.total.append((ended - started) * 1000)


async def worker(session: aiohttp.ClientSession, url: str, body: bytes, until: float, samples: Samples) -> None:
    while time.perf_counter() < until:
        try:
            await one_stream(session, url, body, samples)
        except (aiohttp.ClientError, TimeoutError) as exc:
            samples.failures.append(repr(exc))


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def measure(url: str, concurrency: int, duration: float, headers: dict[str, str], model: str) -> dict[str, Any]:
    body = json.dumps({
        "model": model, "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "Say hello."}],
    }).encode()
    samples = Samples()
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Content-Type": "application/json", **headers}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:
        await one_stream(session, url, body, Samples())  # connect and warm up, not counted
        until = time.perf_counter() + duration
        await asyncio.gather(*(worker(session, url, body, until, samples) for _ in range(concurrency)))
    return {
        "concurrency": concurrency, "streams": len(samples.ttft), "failures": len(samples.failures),
        "first_failures": samples.failures[:3],
        "ttft_p50_ms": percentile(samples.ttft, 0.5), "ttft_p99_ms": percentile(samples.ttft, 0.99),
        "total_p50_ms": percentile(samples.total, 0.5), "total_p99_ms": percentile(samples.total, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--key", default=None, help="sent as Authorization: Bearer KEY")
    parser.add_argument("--header", action="append", default=[], help="NAME:VALUE, repeatable")
    parser.add_argument("--model", default="bench-model")
    args = parser.parse_args()
    headers = dict(item.split(":", 1) for item in args.header)
    if args.key:
        headers["Authorization"] = f"Bearer {args.key}"
    run = asyncio.run if uvloop is None else uvloop.run
    print(json.dumps(run(measure(args.url, args.concurrency, args.duration, headers, args.model))))


if __name__ == "__main__":
    main()
