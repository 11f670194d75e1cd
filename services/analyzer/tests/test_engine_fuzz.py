"""Fuzzing the scanners with Hypothesis: text made of long runs of the fragments each pattern is
built from (its literals, its separators, the characters its classes repeat), the shape of input
that makes a backtracking matcher blow up, must be scanned in time linear in its size.

Each example is a shape (an opener, then runs of a few fragments) rendered twice, with every run 8
times longer the second time. Linear work takes about 8 times as long on the longer text; quadratic
work 64 times. The check is a guard against that growth, not a speed test: the longer text may take
24 times as long as the shorter, or 50 ms, whichever is more (timer noise on texts scanned in
microseconds is not growth), and at most 0.25 s plus 10 ms per KB (the whole engine, which parses
and walks every file with tree-sitter: 0.5 s plus 25 ms per KB), tens of times what linear
scanning needs, for blow-ups too steep to time at two sizes (the private-key pattern of the base
commit took seconds on 100 bytes). A measurement over its bound is taken once more and the faster
run counts; time is this thread's CPU time, so other processes on a busy machine do not count. Examples stay small
and few to keep the suite fast: a few seconds in all."""

import gc
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
PATTERN_FUZZ = settings(FUZZ, max_examples=15)

# Characters and pieces that the engine's patterns repeat or separate on, and the prefixes keys
# start with: runs of them make a backtracking matcher try every way of splitting a run.
COMMON_FRAGMENTS = (
    "a", "A", "0", "_", "-", ".", "/", ":", "=", "@", "%", "(", ")", "[", "{", "}", " ", "\t", "\n", "\\n",
    "\"", "'", "`", "$", "\u00e9", "a: ", "a:\\n", "a: \\n", "x=", "eyJ", "sk-", "sk-ant-", "ghp_", "github_pat_",
    "xoxb-", "AKIA", "AIza", "hf_", "gsk_", "SG.", "://", "http://", "%(", "-----BEGIN PRIVATE KEY-----", "/models/",
    ".js", "egg=", "SYSTEM_PROMPT",
)
GROWTH = 24
"""How much longer 8 times the text may take: 8 for linear work, with room for noise; quadratic is 64."""
FLOOR_SECONDS = 0.05
"""Below this, time on the longer text is not read as growth: timer and scheduler noise."""
METACHARACTERS = set("[](){}|*+?\\^$.")
ESCAPED_LITERALS = set(".-/\\$()[]{}|*+?^")


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
    """The literal pieces of a pattern: what is left between its classes, groups and operators."""
    pieces, current, i = [], "", 0

    def flush() -> None:
        nonlocal current
        if len(current) > 1:
            pieces.append(current)
        current = ""

    while i < len(pattern):
        character = pattern[i]
        if character == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in ESCAPED_LITERALS:
                current += escaped
            else:  # \d, \s, \b, \p{..}, \x{..}: not a literal
                flush()
            i += 2
        elif character in "[{" or pattern.startswith("(?", i):
            flush()
            closing = {"[": "]", "{": "}"}.get(character, ">" if pattern.startswith("(?P<", i) else ":)")
            i += 1
            while i < len(pattern) and pattern[i] not in closing:
                i += 2 if pattern[i] == "\\" else 1
            i += 1
        elif character in METACHARACTERS:
            flush()
            i += 1
        else:
            current += character
            i += 1
    flush()
    return list(dict.fromkeys(pieces))


ESCAPED_CLASSES = {"d": "0", "s": " ", "w": "a", "p": "a", "n": "\n", "t": "\t", "r": "\r"}


def _class_members(pattern: str) -> list[str]:
    """A character each character class of the pattern repeats (the first it names), and for a
    negated class a letter: the characters a run of the class is made of."""
    members = []
    for start in (i for i, c in enumerate(pattern) if c == "[" and (i == 0 or pattern[i - 1] != "\\")):
        first = pattern[start + 1 : start + 3]
        if first.startswith("^"):
            members.append("a")
        elif first.startswith("\\"):
            members.append(ESCAPED_CLASSES.get(first[1:], first[1:]))
        elif first:
            members.append(first[0])
    return list(dict.fromkeys(members))


Shape = tuple[str, list[tuple[str, int]]]


def adversarial_shapes(fragments: tuple[str, ...], longest_run: int, openers: tuple[str, ...] = ("",),
                       own_fragments: int = 0) -> st.SearchStrategy[Shape]:
    """An opener (what a match starts with), then long runs of two or three fragments: what makes a
    backtracking matcher try every way of splitting a run."""
    lengths = st.one_of(st.integers(1, 8), st.integers(longest_run // 4, longest_run))
    own = st.sampled_from(fragments[:own_fragments]) if own_fragments else st.nothing()
    fragment = st.one_of(own, st.sampled_from(fragments))  # half the time one of the pattern's own
    runs = st.lists(fragment, min_size=1, max_size=3, unique=True).flatmap(
        lambda chosen: st.lists(st.tuples(st.sampled_from(chosen), lengths), min_size=1, max_size=4)
    )
    return st.tuples(st.sampled_from(openers), runs)


def render(shape: Shape, scale: int = 1) -> str:
    opener, runs = shape
    return opener + "".join(fragment * (count * scale) for fragment, count in runs)


def seconds(work: Callable[[str], object], text: str) -> float:
    """The better of two runs, with the collector paused: allocation-heavy scanning otherwise pays for
    collections of the whole test process, which is not the scanner's growth."""
    gc.disable()
    try:
        times = []
        for _ in range(2):
            started = time.thread_time()
            work(text)
            times.append(time.thread_time() - started)
        return min(times)
    finally:
        gc.enable()


def assert_linear(work: Callable[[str], object], shape: Shape, fixed: float, per_kb: float) -> None:
    short, long = render(shape), render(shape, 8)

    def measured() -> tuple[float, float]:
        allowed = min(max(GROWTH * seconds(work, short), FLOOR_SECONDS), fixed + per_kb * len(long) / 1024)
        return seconds(work, long), allowed

    elapsed, allowed = measured()
    if elapsed > allowed:
        elapsed, allowed = min((measured(), (elapsed, allowed)), key=lambda m: m[0] - m[1])
    assert elapsed <= allowed, (
        f"{len(short)} then {len(long)} characters: {elapsed:.3f} s on the longer, over the {allowed:.3f} s allowed"
    )


def test_the_fuzzed_patterns_include_every_key_format_and_the_url_pattern() -> None:
    assert len(PATTERNS) >= 25
    assert {"secrets.SCRIPT_ASSIGNMENT", "secrets.KEY_FORMATS.private_key", "urls.URL_PATTERN",
            "evaluate.PERCENT_FIELD", "ts_project.SCRIPT_FILE"} <= set(PATTERNS)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_pattern_scans_adversarial_text_in_linear_time(name: str) -> None:
    pattern = PATTERNS[name]
    literals = _literals(pattern.pattern)
    own = list(dict.fromkeys([*literals, *_class_members(pattern.pattern)]))
    fragments = tuple(dict.fromkeys([*own, *COMMON_FRAGMENTS]))
    starts = [*literals, "http://", "-----BEGIN PRIVATE KEY-----", "a = '"]
    openers = tuple(dict.fromkeys(["", *starts, *(f"{start}\n" for start in starts)]))

    def work(text: str) -> None:
        for _ in pattern.finditer(text):
            pass
        pattern.match(text)

    @PATTERN_FUZZ
    @given(adversarial_shapes(fragments, longest_run=500, openers=openers, own_fragments=len(own)))
    def scan(shape: Shape) -> None:
        assert_linear(work, shape, fixed=0.25, per_kb=0.010)

    scan()


SWEEP_CHARACTERS = 4_000
"""The length of a sweep's run before it is made 8 times longer: a quadratic scan of 32 KB shows."""
SEED_FRAGMENTS = ("a", " ", "a: \\n", "eyJ", "github_pat_", "%(", "://a:")
"""Runs that blew patterns of the base commit up, kept as seeds whatever the random draw finds."""


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_pattern_scans_long_runs_of_its_own_fragments_in_linear_time(name: str) -> None:
    """The deterministic half of the fuzz: each of the pattern's own fragments (and the seeds) as
    one long run, bare, after the pattern's first literal, and followed by a character that ends it."""
    pattern = PATTERNS[name]
    literals = _literals(pattern.pattern)
    fragments = dict.fromkeys([*literals[:8], *_class_members(pattern.pattern), *SEED_FRAGMENTS])
    openers = dict.fromkeys(["", *(f"{literal}\n" for literal in literals[:1]),
                             *(["http://"] if "://" in pattern.pattern else [])])

    def work(text: str) -> None:
        for _ in pattern.finditer(text):
            pass
        pattern.match(text)

    for opener in openers:
        for fragment in fragments:
            for tail in ([], [(" x\u00e9", 1)]):
                runs = [(fragment, max(8, SWEEP_CHARACTERS // len(fragment))), *tail]
                assert_linear(work, (opener, runs), fixed=0.25, per_kb=0.010)


@pytest.mark.parametrize("file_name", ["README.md", ".env", "index.js", "config.yaml"])
@FUZZ
@given(shape=adversarial_shapes(COMMON_FRAGMENTS, longest_run=500))
def test_the_secret_scanner_scans_adversarial_files_in_linear_time(file_name: str, shape: Shape) -> None:
    def work(text: str) -> None:
        scan_secrets(load_sources({file_name: text.encode()}).files, {})

    assert_linear(work, shape, fixed=0.25, per_kb=0.010)


JS_FRAGMENTS = ("(", ")", "[", "]", "{", "}", "a", "a=", "a.", "fetch(", "new A(", "'x'", "`${", "}`", "+", ",",
                "=>", ";", "\n", "const ", "import ", "'", '"', "`", "http://", "//", "/*", "\\")
PY_FRAGMENTS = ("(", ")", "[", "]", "a", "a=", "a.", "requests.get(", "'x'", "f'{", "}'", "+", ",", ":", "\n",
                "    ", "def f():\n", "import requests\n", "'%(a)s' % ", "'", '"', "http://", "#", "\\")


@pytest.mark.parametrize(("file_name", "fragments"), [("index.js", JS_FRAGMENTS), ("agent.ts", JS_FRAGMENTS),
                                                      ("agent.py", PY_FRAGMENTS)])
@WHOLE_ENGINE_FUZZ
@given(data=st.data())
def test_the_whole_engine_analyzes_adversarial_code_in_linear_time(
    file_name: str, fragments: tuple[str, ...], data: st.DataObject
) -> None:
    shape = data.draw(adversarial_shapes(fragments, longest_run=200))

    assert_linear(lambda text: analyze_files({file_name: text.encode()}), shape, fixed=0.5, per_kb=0.025)
