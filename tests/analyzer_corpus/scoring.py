"""Matching analyzer findings against the labelled corpus; shared by the benchmark and the test.

Each case is `<case>/src/...` (the program) and `<case>/expected.json` (its hand-written findings).
Tools match by (file, line, method), LLM usage by (file, line, provider, model, role), secrets by
(file, line); hosts and packages as sets per case; entry point and tier exactly per case.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runagents_analyzer.engine import Report

CORPUS = Path(__file__).parent
CATEGORIES = ("tools", "llm_usage", "secrets", "hosts", "packages", "entry_point", "tier")

Finding = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    src: Path
    expected: dict[str, Any]


def load_cases(root: Path = CORPUS) -> list[Case]:
    return [
        Case(folder.name, folder / "src", json.loads((folder / "expected.json").read_text()))
        for folder in sorted(root.iterdir())
        if (folder / "expected.json").is_file()
    ]


def package_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def expected_findings(expected: dict[str, Any]) -> dict[str, set[Finding]]:
    entry = expected.get("entry_point")
    return {
        "tools": {(t["file"], t["line"], t["method"].upper()) for t in expected.get("tools", [])},
        "llm_usage": {(u["file"], u["line"], u["provider"], u["model"], u["role"])
                      for u in expected.get("llm_usage", [])},
        "secrets": {(s["file"], s["line"]) for s in expected.get("secrets", [])},
        "hosts": {(h,) for h in expected.get("hosts", [])},
        "packages": {(package_name(p),) for p in expected.get("packages", [])},
        "entry_point": {(entry,)},
        "tier": {(expected["tier"],)},
    }


def report_findings(report: Report) -> dict[str, set[Finding]]:
    return {
        "tools": {(call.file, call.line, call.method.upper()) for tool in report.tools for call in tool.calls},
        "llm_usage": {(u.file, u.line, u.provider, u.model, u.role) for u in report.llm_usage},
        "secrets": {(s.file, s.line) for s in report.secrets},
        "hosts": {(h.host,) for h in report.hosts},
        "packages": {(package_name(p.name),) for p in report.packages},
        "entry_point": {(report.entry_point.file if report.entry_point else None,)},
        "tier": {(report.tier.value,)},
    }


@dataclass(slots=True)
class Score:
    true_positives: int = 0
    false_positives: list[tuple[str, Finding]] = field(default_factory=list)
    misses: list[tuple[str, Finding]] = field(default_factory=list)

    def add(self, case: str, found: set[Finding], expected: set[Finding]) -> None:
        self.true_positives += len(found & expected)
        self.false_positives += [(case, f) for f in sorted(found - expected, key=repr)]
        self.misses += [(case, f) for f in sorted(expected - found, key=repr)]

    @property
    def precision(self) -> float:
        found = self.true_positives + len(self.false_positives)
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + len(self.misses)
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score(results: Iterable[tuple[str, dict[str, set[Finding]], dict[str, set[Finding]]]],
          categories: Iterable[str] = CATEGORIES) -> dict[str, Score]:
    """Aggregate over cases; each result is (case, found, expected) keyed by category."""
    scores = {category: Score() for category in categories}
    for case, found, expected in results:
        for category, category_score in scores.items():
            category_score.add(case, found.get(category, set()), expected.get(category, set()))
    return scores
