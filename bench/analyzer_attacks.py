"""Uploads that once stalled the analyzer, analyzed the way the service analyzes them: seconds to
the report, and the longest time the service's event loop could not run meanwhile.

    uv run python bench/analyzer_attacks.py [--cap SECONDS]

Each upload is measured in a fresh process, given up after --cap seconds (default 60). To compare
with an older engine, run it with PYTHONPATH=<that checkout>/services/analyzer/src: where the
analyzer has no engine process (the base commit), the engine runs in a thread as it did there.

Measured 2026-12-07 on the 2-core development machine (other work running), seconds / longest stall
of the event loop:

    upload                                     base commit 12826d7      engine in RE2 + own process
    README, 110 B after a private-key header   32.4 / 32.4              0.138 / 0.002
    index.js, 40 KB identifier                 26.8 / 26.8              0.135 / 0.002
    notes.txt, 480 KB of JWT prefixes          44.6 / 44.5              0.146 / 0.001
    notes.txt, 300 KB of GitHub PAT prefixes   >60 (cap)                0.151 / 0.001
    main.py, 60 KB URL with a space            >60 (cap)                0.141 / 0.001
    main.py, 640 KB %-format of '%('           >60 (cap)                0.152 / 0.001
    package.json, 60 KB start script           12.8 / 12.8              0.133 / 0.003
    index.js, 320 KB nested parentheses        24.2 / 23.0              0.359 / 0.002

(The engine process' own start, about 0.13 s, is most of each figure after.)
"""

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRIVATE_KEY_HEADER = "-----BEGIN " + "PRIVATE KEY-----\n"
ATTACKS: dict[str, dict[str, str]] = {
    "README, 110 B after a private-key header": {"README.md": PRIVATE_KEY_HEADER + "a: \\n" * 17},
    "index.js, 40 KB identifier": {"index.js": "a" * 40_000},
    "notes.txt, 480 KB of JWT prefixes": {"notes.txt": "eyJ" * 160_000},
    "notes.txt, 300 KB of GitHub PAT prefixes": {"notes.txt": "github_pat_" * 28_000 + "\u00e9"},
    "main.py, 60 KB URL with a space": {"main.py": f"import requests\nrequests.get('http://{'a' * 60_000} x')\n"},
    "main.py, 640 KB %-format of '%('": {"main.py": f"import requests\nu = '{'%(' * 320_000}' % x\nrequests.get(u)\n"},
    "package.json, 60 KB start script": {"package.json": '{"scripts": {"start": "' + "a" * 60_000 + '"}}',
                                         "index.js": "console.log(1)\n"},
    "index.js, 320 KB nested parentheses": {"index.js": "(" * 160_000 + ")" * 160_000},
}


async def _measure(name: str) -> dict[str, float | str]:
    try:
        from runagents_analyzer.analyses.engine_process import run_engine
    except ImportError:
        run_engine = None
    from runagents_analyzer.engine import analyze_tree

    longest_stall = 0.0

    async def heartbeat() -> None:
        nonlocal longest_stall
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            longest_stall = max(longest_stall, now - last - 0.01)
            last = now

    with tempfile.TemporaryDirectory(prefix="runagents-bench-attack-") as scratch:
        root = Path(scratch) / "source"
        for path, text in ATTACKS[name].items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        if run_engine is not None:
            async def on_phase(_phase: str, _progress: int) -> None:
                return None

            await run_engine(root, None, Path(scratch) / "report.json", on_phase)
            how = "engine process"
        else:
            await asyncio.to_thread(analyze_tree, root)
            how = "thread"
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.05)
        beat.cancel()
    return {"seconds": elapsed, "stall": longest_stall, "how": how}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cap", type=float, default=60.0, help="give an upload up after this many seconds")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(asyncio.run(_measure(arguments.one))))
        return
    print(f"{'upload':44s} {'bytes':>8s} {'seconds':>8s} {'loop stall':>11s}  engine ran in")
    for name, files in ATTACKS.items():
        size = sum(len(text.encode()) for text in files.values())
        try:
            done = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True,
                                  timeout=arguments.cap, check=True)
        except subprocess.TimeoutExpired:
            print(f"{name:44s} {size:8d} {'>' + format(arguments.cap, 'g'):>8s} {'(all)':>11s}  stopped at the cap")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:44s} {size:8d} {result['seconds']:8.3f} {result['stall']:10.3f}s  {result['how']}")


if __name__ == "__main__":
    main()
