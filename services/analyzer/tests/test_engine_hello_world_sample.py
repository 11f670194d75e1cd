"""The shipped Hello World sample: the report the deploy wizard pre-wires from."""

from pathlib import Path

import runagents_analyzer
from runagents_analyzer.engine import RegisteredResources, analyze_tree

SAMPLE = Path(runagents_analyzer.__file__).parent / "samples" / "hello_world"

SYSTEM_PROMPT = "You are a friendly hello-world agent. Use the echo tool when asked to echo or say hello through it."
STARTER = RegisteredResources(
    tools=[("echo", "http://127.0.0.1:8000/starter/echo")],
    model_providers=[("playground", "playground", ["playground-mini"])],
)


def line_of(path: Path, snippet: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if snippet in line)


def test_the_sample_report_finds_everything_the_wizard_needs() -> None:
    agent = SAMPLE / "agent.py"

    report = analyze_tree(SAMPLE).model_dump()

    assert report["files"] == ["agent.py", "requirements.txt"]
    assert report["errors"] == [] and report["skipped"] == []
    assert report["tools"] == [
        {
            "name": "echo",
            "base_url": "http://localhost:8000/starter/echo",
            "host": "localhost",
            "calls": [{
                "file": "agent.py",
                "line": line_of(agent, "requests.post("),
                "method": "POST",
                "url": "http://localhost:8000/starter/echo/echo",
            }],
            "suggested": None,
        }
    ]
    assert report["llm_usage"] == [
        {
            "provider": "openai",
            "model": "playground-mini",
            "role": "chat",
            "file": "agent.py",
            "line": line_of(agent, "client.chat.completions.create("),
            "suggested": None,
            "routable": True,
            "note": None,
        }
    ]
    assert report["secrets"] == []
    assert report["hosts"] == [
        {
            "host": "localhost",
            "sources": [
                {"file": "agent.py", "line": line_of(agent, "requests.post(")},
                {"file": "agent.py", "line": line_of(agent, "client = OpenAI(")},
            ],
        }
    ]
    assert report["packages"] == [
        {"name": "openai", "ecosystem": "pypi", "source": "manifest"},
        {"name": "requests", "ecosystem": "pypi", "source": "manifest"},
    ]
    # Tier 1: the platform's tool loop takes the message, so the script's entry is no refusal.
    assert report["entry_point"] == {"file": "agent.py", "reason": 'if __name__ == "__main__"', "adapter": None,
                                     "target": None, "module": "agent", "takes_message": True, "refusal": None}
    assert report["system_prompt"] == {
        "file": "agent.py",
        "line": line_of(agent, '"You are a friendly'),
        "text": SYSTEM_PROMPT,
    }
    assert report["tier"]["value"] == "platform"
    assert report["analyzer_version"]


def test_the_sample_is_pre_wired_to_the_starter_kit() -> None:
    report = analyze_tree(SAMPLE, STARTER)

    assert [tool.suggested for tool in report.tools] == ["echo"]
    suggested = report.llm_usage[0].suggested
    assert suggested is not None
    assert suggested.model_dump() == {"provider": "playground", "model": "playground-mini"}


def test_phases_are_announced_in_order_with_rising_percentages() -> None:
    seen: list[tuple[str, int]] = []

    analyze_tree(SAMPLE, on_phase=lambda phase, percent: seen.append((phase, percent)))

    assert [phase for phase, _ in seen] == ["parsing", "detection", "scanning", "enrichment"]
    percents = [percent for _, percent in seen]
    assert percents == sorted(percents) and len(set(percents)) == 4


def test_the_report_serialises_to_the_public_field_names() -> None:
    report = analyze_tree(SAMPLE).model_dump(mode="json")

    assert set(report) == {
        "analyzer_version", "files", "skipped", "errors", "tools", "llm_usage", "secrets", "hosts", "packages",
        "install_plan",
        "unresolved_imports",
        "entry_point", "system_prompt", "tier",
    }
