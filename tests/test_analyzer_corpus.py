"""The analyzer against the labelled corpus: the issue's accuracy targets for tool calls, LLM usage
and secrets (bench/analyzer_accuracy.py prints the full table and every miss)."""

import pytest

from runagents_analyzer.engine import analyze_tree
from tests.analyzer_corpus.scoring import Score, expected_findings, load_cases, report_findings, score

TARGET = 0.95
CASES = load_cases()


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    results = [(case.name, report_findings(analyze_tree(case.src)), expected_findings(case.expected))
               for case in CASES]
    return score(results)


def test_the_corpus_holds_at_least_forty_python_programs() -> None:
    python_cases = [case for case in CASES if any(case.src.rglob("*.py"))]
    assert len(python_cases) >= 40


@pytest.mark.parametrize("category", ["tools", "llm_usage", "secrets"])
def test_the_analyzer_meets_the_precision_and_recall_targets(scores: dict[str, Score], category: str) -> None:
    found = scores[category]
    report = f"misses: {found.misses}\nfalse positives: {found.false_positives}"
    assert found.recall >= TARGET, report
    assert found.precision >= TARGET, report
