"""``runagents analyze PATH``: the analysis of a folder or an archive, in-process, with no service running."""

import sys
from pathlib import Path

from runagents_analyzer.engine import Report, UploadRejected, analyze_files, analyze_tree, unpack_upload


def analyze_path(path: Path) -> Report:
    """Analyze a folder as it is, or an archive unpacked under the upload limits (never executed)."""
    if path.is_dir():
        return analyze_tree(path)
    if not path.is_file():
        raise SystemExit(f"runagents analyze: {path} is neither a folder nor a file")
    try:
        # One file goes through the upload path too: an archive is unpacked under the same limits.
        files, skipped = unpack_upload([(path.name, path.read_bytes())])
    except UploadRejected as exc:
        raise SystemExit(f"runagents analyze: refused ({exc.limit}): {exc.detail}") from exc
    return analyze_files(files, skipped=skipped)


def summary(report: Report) -> str:
    """A readable account of the report for a person."""
    lines = [f"Analyzed {len(report.files)} file(s) (analyzer {report.analyzer_version})"]
    tier = report.tier
    lines.append(f"Tier: {tier.value} — {tier.reason}")
    entry = report.entry_point
    lines.append(f"Entry point: {entry.file} ({entry.reason})" if entry else "Entry point: none found")

    def section(title: str, rows: list[str]) -> None:
        lines.append(f"\n{title} ({len(rows)})")
        lines.extend([f"  {row}" for row in rows] or ["  none"])

    section("Tools", [f"{t.name}: {t.base_url}" + "".join(f"\n    {c.method} {c.url}  {c.file}:{c.line}"
                                                          for c in t.calls) for t in report.tools])
    section("LLM usage", [f"{u.provider} {u.model or '(model not named)'} [{u.role}]  {u.file}:{u.line}"
                          for u in report.llm_usage])
    section("Secrets", [f"{s.kind} {s.preview}  {s.file}:{s.line}" for s in report.secrets])
    section("Outbound hosts", [f"{h.host}  (" + ", ".join(f"{s.file}:{s.line}" for s in h.sources[:3])
                               + (", ..." if len(h.sources) > 3 else "") + ")" for h in report.hosts])
    section("Packages", [f"{p.name} ({p.ecosystem}, from {p.source})" for p in report.packages])
    if report.system_prompt:
        text = report.system_prompt.text
        lines.append(f"\nSystem prompt ({report.system_prompt.file}:{report.system_prompt.line}): "
                     f"{text[:200]}{'…' if len(text) > 200 else ''}")
    if report.errors:
        section("Errors", [f"{e.file}:{e.line}: {e.message}" for e in report.errors])
    if report.skipped:
        section("Skipped", [f"{s.file}: {s.reason}" for s in report.skipped])
    return "\n".join(lines)


def run(path: Path, as_json: bool) -> None:
    report = analyze_path(path)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print(summary(report))
