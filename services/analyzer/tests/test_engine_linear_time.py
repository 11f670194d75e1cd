"""No upload can stall the engine: the inputs that once held it for seconds to minutes (a pattern
that backtracks exponentially or quadratically, a tree walk quadratic in nesting depth) are analyzed
within a budget linear in their size.

The budget is a guard against super-linear blow-up, not a speed test: it is 0.5 s plus 25 ms per
KB, ten times what the slowest of these inputs needs on a busy machine (tree-sitter parsing deep
nesting, about 2.5 ms per KB), and each input is sized so that the base commit needed three times
the budget or more (20 s to minutes), so only backtracking or a quadratic walk exceeds it.
Time is this thread's CPU time, so other processes on a busy machine do not count; an input over
budget is measured once more and the faster run counts."""

import ast
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runagents_analyzer.engine import analyze_files
from runagents_analyzer.engine.dependencies import plan_install

FIXED_SECONDS = 0.5
SECONDS_PER_KB = 0.025

PRIVATE_KEY_HEADER = "-----BEGIN " + "PRIVATE KEY-----\n"


def budget_for(size: int) -> float:
    return FIXED_SECONDS + SECONDS_PER_KB * size / 1024


def assert_within_budget(work: Callable[[], object], size: int) -> None:
    def timed() -> float:
        started = time.thread_time()
        work()
        return time.thread_time() - started

    budget = budget_for(size)
    elapsed = timed()
    if elapsed > budget:
        elapsed = min(elapsed, timed())
    assert elapsed <= budget, f"{size} bytes took {elapsed:.2f} s, over the budget of {budget:.2f} s"


# Each upload is what once stalled one scanner; the name says which and how long it took before.
ATTACKS: dict[str, dict[str, str]] = {
    # secrets: "(?:[A-Za-z-]+:[^\n]*(?:\s|\\n)+)*" after a private-key header: exponential, ~20 s
    "readme_of_110_bytes_after_a_private_key_header": {"README.md": PRIVATE_KEY_HEADER + "a: \\n" * 17},
    # secrets: name = "value" in JavaScript tried at every offset of a long identifier: quadratic, ~20 s
    "js_of_40_kb_one_identifier": {"index.js": "a" * 40_000},
    # secrets: a JWT's first part run to the end of the file at every "eyJ": quadratic, ~40 s
    "jwt_prefixes_480_kb": {"notes.txt": "eyJ" * 160_000},
    # secrets: GitHub's fine-grained token prefix repeated, then a word character \b does not end on: ~40 s
    "github_pat_prefixes_300_kb": {"notes.txt": "github_pat_" * 28_000 + "\u00e9"},
    # urls: authority and rest of a URL with a space in it split every way: quadratic, ~20 s
    "url_of_60_kb_with_a_space": {"main.py": f"import requests\nrequests.get('http://{'a' * 60_000} x')\n"},
    # evaluate: "%(" fields of a %-format, each scanned to the end: quadratic, ~75 s
    "percent_format_of_640_kb": {
        "main.py": f"import requests\nu = '{'%(' * 320_000}' % x\nrequests.get(u)\n",
    },
    # ts_project: package.json's start script read for a file name at every offset: quadratic, ~10 s
    "package_json_start_script_of_60_kb": {
        "package.json": '{"scripts": {"start": "' + "a" * 60_000 + '"}}',
        "index.js": "console.log(1)\n",
    },
    # dependencies: a requirement's name split every way before an "@": quadratic, ~150 s (it also ran in the
    # API process, at upload, to refuse requirements pointing outside)
    "requirement_of_100_kb_before_an_at": {"requirements.txt": "a" * 100_000 + "@\n", "agent.py": "x = 1\n"},
    # ts_parse: a tree-sitter Query over deep nesting: quadratic in depth, ~35 s
    "js_nested_320_kb_deep": {"index.js": "(" * 160_000 + ")" * 160_000},
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_upload_that_stalled_a_scanner_is_analyzed_within_a_linear_budget(attack: str) -> None:
    files = {path: text.encode() for path, text in ATTACKS[attack].items()}

    assert_within_budget(lambda: analyze_files(files), sum(len(data) for data in files.values()))


def test_the_plan_that_refuses_requirements_at_upload_is_within_a_linear_budget() -> None:
    files = {"requirements.txt": ("a" * 100_000 + "@\n").encode()}

    assert_within_budget(lambda: plan_install(files, (), False), 100_002)


def test_the_private_key_after_headers_is_still_found() -> None:
    body = "".join(chr(65 + (i * 7) % 26) for i in range(64))
    report = analyze_files({"key.pem": f"{PRIVATE_KEY_HEADER}Proc-Type: 4,ENCRYPTED\n\n{body}\n".encode()})

    assert [(s.kind, s.preview) for s in report.secrets] == [("private_key", "-----BEGIN PRIVATE KEY-----")]


def test_the_engine_never_uses_pythons_backtracking_regex_module() -> None:
    """Every pattern the engine applies to an upload is compiled by RE2 (engine/linear_regex.py)."""
    engine = Path(__file__).parents[1] / "src" / "runagents_analyzer" / "engine"
    importing_re = []
    for module in sorted(engine.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if "re" in names or (isinstance(node, ast.ImportFrom) and node.module == "re"):
                importing_re.append(module.name)

    assert importing_re == []
