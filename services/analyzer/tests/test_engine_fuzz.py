"""Fuzzing the scanners with Hypothesis: text made of long runs of the fragments each pattern is
built from (its literals, its separators, the characters its classes repeat), the shape of input
that makes a backtracking matcher blow up, must be scanned within a budget linear in its size.

The budget guards against super-linear blow-up; it is no speed test. Linear scanning of these
inputs takes well under a millisecond per KB; the budget is 0.25 s plus 10 ms per KB for one
pattern and 0.5 s plus 25 ms per KB for the whole engine (tree-sitter parses and walks every file),
tens of times that, which only backtracking or a quadratic walk exceeds: the private-key pattern
of the base commit took seconds on 100 bytes and the JS assignment pattern 5 s on 20 KB. An
example over budget is measured once more and the faster run counts, so a scheduling hiccup on
a busy machine is not taken for a blow-up. Examples stay small and few to keep the suite fast."""

import importlib
import pkgutil
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import runagents_analyzer.engine as engine_package
from runagents_analyzer.engine import analyze_files
from runagents_analyzer.engine.secrets import KEY_FORMATS, scan_secrets
from runagents_analyzer.engine.sources import load_sources

FUZZ = settings(max_examples=12, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WHOLE_ENGINE_FUZZ = settings(FUZZ, max_examples=10)

# Characters and pieces that the engine's patterns repeat or separate on, and the prefixes keys
# start with: runs of them make a backtracking matcher try every way of splitting a run.
COMMON_FRAGMENTS = (
    "a", "A", "0", "_", "-", ".", "/", ":", "=", "@", "%", "(", ")", "[", "{", "}", " ", "\t", "\n", "\\n",
    "\"", "'", "`", "$", "\u00e9", "a: ", "a:\\n", "a: \\n", "x=", "eyJ", "sk-", "sk-ant-", "ghp_", "github_pat_",
    "xoxb-", "AKIA", "AIza", "hf_", "gsk_", "SG.", "://", "http://", "%(", "-----BEGIN PRIVATE KEY-----", "/models/",
    ".js", "egg=", "SYSTEM_PROMPT",
)
METACHARACTERS = set("[](){}|*+?\\^$.")


def _patterns() -> dict[str, Any]:
    """Every compiled pattern the engine holds at module level, by module.name."""
    found: dict[str, Any] = {}
    for module_info in pkgutil.iter_modules(engine_package.__path__):
        if module_info.name == "__main__":
            continue
        module = importlib.import_module(f"{engine_package.__name__}.{module_info.name}")
        for name, value in vars(module).items():
            if hasattr(value, "finditer") and hasattr(value, "pattern") and isinstance(value.pattern, str):
                found[f"{module_info.name}.{name}"] = value
    for kind, pattern in KEY_FORMATS:
        found[f"secrets.KEY_FORMATS.{kind}"] = pattern
    return found


PATTERNS = _patterns()


def _literals(pattern: str) -> list[str]:
    pieces, current = [], ""
    for character in pattern:
        if character in METACHARACTERS:
            if len(current) > 1:
                pieces.append(current)
            current = ""
        else:
            current += character
    return pieces + ([current] if len(current) > 1 else [])


def adversarial_text(fragments: tuple[str, ...], longest_run: int,
                     openers: tuple[str, ...] = ("",)) -> st.SearchStrategy[str]:
    """An opener (what a match starts with), then runs of fragments: what makes a matcher retry."""
    runs = st.lists(st.tuples(st.sampled_from(fragments), st.integers(1, longest_run)), min_size=1, max_size=6)
    return st.tuples(st.sampled_from(openers), runs).map(
        lambda drawn: drawn[0] + "".join(fragment * count for fragment, count in drawn[1])
    )


def assert_within_budget(work: Callable[[], object], size: int, fixed: float, per_kb: float) -> None:
    def timed() -> float:
        started = time.perf_counter()
        work()
        return time.perf_counter() - started

    budget = fixed + per_kb * size / 1024
    elapsed = timed()
    if elapsed > budget:
        elapsed = min(elapsed, timed())
    assert elapsed <= budget, f"{size} characters took {elapsed:.2f} s, over the budget of {budget:.2f} s"


def test_the_fuzzed_patterns_include_every_key_format_and_the_url_pattern() -> None:
    assert len(PATTERNS) >= 25
    assert {"secrets.SCRIPT_ASSIGNMENT", "secrets.KEY_FORMATS.private_key", "urls.URL_PATTERN",
            "evaluate.PERCENT_FIELD", "ts_project.SCRIPT_FILE"} <= set(PATTERNS)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_pattern_scans_adversarial_text_within_a_linear_budget(name: str) -> None:
    pattern = PATTERNS[name]
    literals = _literals(pattern.pattern)
    fragments = tuple(dict.fromkeys([*literals, *COMMON_FRAGMENTS]))
    openers = tuple(dict.fromkeys(["", *literals, *(f"{literal}\n" for literal in literals)]))

    @FUZZ
    @given(adversarial_text(fragments, longest_run=2_000, openers=openers))
    def scan(text: str) -> None:
        def work() -> None:
            for _ in pattern.finditer(text):
                pass
            pattern.match(text)

        assert_within_budget(work, len(text), fixed=0.25, per_kb=0.010)

    scan()


@pytest.mark.parametrize("file_name", ["README.md", ".env", "index.js", "config.yaml"])
@FUZZ
@given(text=adversarial_text(COMMON_FRAGMENTS, longest_run=2_000))
def test_the_secret_scanner_scans_adversarial_files_within_a_linear_budget(file_name: str, text: str) -> None:
    files = load_sources({file_name: text.encode()}).files

    assert_within_budget(lambda: scan_secrets(files, {}), len(text), fixed=0.25, per_kb=0.010)


JS_FRAGMENTS = ("(", ")", "[", "]", "{", "}", "a", "a=", "a.", "fetch(", "new A(", "'x'", "`${", "}`", "+", ",",
                "=>", ";", "\n", "const ", "import ", "'", '"', "`", "http://", "//", "/*", "\\")
PY_FRAGMENTS = ("(", ")", "[", "]", "a", "a=", "a.", "requests.get(", "'x'", "f'{", "}'", "+", ",", ":", "\n",
                "    ", "def f():\n", "import requests\n", "'%(a)s' % ", "'", '"', "http://", "#", "\\")


@pytest.mark.parametrize(("file_name", "fragments"), [("index.js", JS_FRAGMENTS), ("agent.ts", JS_FRAGMENTS),
                                                      ("agent.py", PY_FRAGMENTS)])
@WHOLE_ENGINE_FUZZ
@given(data=st.data())
def test_the_whole_engine_analyzes_adversarial_code_within_a_linear_budget(
    file_name: str, fragments: tuple[str, ...], data: st.DataObject
) -> None:
    text = data.draw(adversarial_text(fragments, longest_run=1_500))
    files = {file_name: text.encode()}

    assert_within_budget(lambda: analyze_files(files), len(text), fixed=0.5, per_kb=0.025)
