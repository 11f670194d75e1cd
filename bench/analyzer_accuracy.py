"""Analyzer accuracy and speed on the labelled corpus (tests/analyzer_corpus), with detect-secrets
scored on the same secrets for comparison.

    uv run python bench/analyzer_accuracy.py
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

from runagents_analyzer.engine import analyze_tree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.analyzer_corpus.scoring import (
    Case,
    Finding,
    Score,
    expected_findings,
    load_cases,
    report_findings,
    score,
)

SYNTHETIC_FILES = 1000


def source_files(src: Path) -> list[str]:
    return sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())


def detect_secrets_findings(case: Case) -> set[Finding]:
    collection = SecretsCollection(root=str(case.src))
    with default_settings():
        for path in source_files(case.src):
            collection.scan_file(path)
    return {(Path(filename).as_posix(), secret.line_number) for filename, secret in collection}


def build_synthetic_repository(cases: list[Case], target: Path, count: int) -> None:
    """`count` corpus files copied under new folder names, so modules do not collide."""
    files = [(case, path) for case in cases for path in source_files(case.src)]
    for index in range(count):
        case, path = files[index % len(files)]
        destination = target / f"copy_{index // len(files)}" / case.name / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case.src / path, destination)


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to one core"
    return "not pinned (no sched_setaffinity)"


def print_table(title: str, scores: dict[str, Score]) -> None:
    print(f"\n{title}")
    print(f"{'category':<12} {'precision':>9} {'recall':>7} {'f1':>6} {'tp':>5} {'fp':>4} {'fn':>4}")
    for category, s in scores.items():
        print(f"{category:<12} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.true_positives:>5} "
              f"{len(s.false_positives):>4} {len(s.misses):>4}")


def print_errors(scores: dict[str, Score]) -> None:
    for category, s in scores.items():
        if not s.misses and not s.false_positives:
            continue
        print(f"\n{category}:")
        for kind, items in (("miss", s.misses), ("false positive", s.false_positives)):
            for case, finding in items:
                print(f"  {kind:<14} {case}: {', '.join(map(str, finding))}")


def main() -> None:
    core = pin_to_one_core()
    cases = load_cases()
    results, detect_secrets_results = [], []
    total_files, elapsed = 0, 0.0
    for case in cases:
        started = time.perf_counter()
        report = analyze_tree(case.src)
        elapsed += time.perf_counter() - started
        total_files += len(report.files)
        expected = expected_findings(case.expected)
        results.append((case.name, report_findings(report), expected))
        detect_secrets_results.append(
            (case.name, {"secrets": detect_secrets_findings(case)}, {"secrets": expected["secrets"]})
        )

    scores = score(results)
    baseline = score(detect_secrets_results, ("secrets",))["secrets"]
    print(f"corpus: {len(cases)} cases, {total_files} files analyzed in {elapsed:.2f} s "
          f"({total_files / elapsed:.0f} files/s), {core}")
    print_table("RunAgents analyzer", scores)
    print("\nsecrets comparison (same corpus, matched by file+line)")
    print(f"{'scanner':<16} {'precision':>9} {'recall':>7} {'f1':>6}")
    print(f"{'runagents':<16} {scores['secrets'].precision:>9.3f} {scores['secrets'].recall:>7.3f} "
          f"{scores['secrets'].f1:>6.3f}")
    print(f"{'detect-secrets':<16} {baseline.precision:>9.3f} {baseline.recall:>7.3f} {baseline.f1:>6.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        build_synthetic_repository(cases, Path(tmp), SYNTHETIC_FILES)
        started = time.perf_counter()
        report = analyze_tree(Path(tmp))
        seconds = time.perf_counter() - started
    print(f"\nsynthetic repository: {len(report.files)} files analyzed in {seconds:.2f} s on one core "
          f"(target < 5 s)")

    print("\nanalyzer misses and false positives (case: file, line, ...):")
    print_errors(scores)
    print("\ndetect-secrets misses and false positives:")
    print_errors({"secrets": baseline})


if __name__ == "__main__":
    main()
