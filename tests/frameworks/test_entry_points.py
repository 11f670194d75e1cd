"""The entry the analysis names for each framework agent of this suite, and the refusal of those
whose code cannot take the user's message (the deploy answers 422 with it). Offline: the analyzer
reads the folders, nothing is built or run."""

import pytest
from runagents_contracts.entry import EntryPoint

from runagents_analyzer.engine import analyze_files
from tests.frameworks.cases import FRAMEWORK_AGENTS, REFUSED_AGENTS, FrameworkAgent, RefusedAgent


def entry_of(folder_files: dict[str, bytes]) -> EntryPoint:
    entry = analyze_files(folder_files).entry_point
    assert entry is not None
    return entry


@pytest.mark.parametrize("agent", [pytest.param(a, id=a.key) for a in FRAMEWORK_AGENTS])
def test_the_analysis_names_the_entry_and_adapter_the_runtime_will_call(agent: FrameworkAgent) -> None:
    entry = entry_of(agent.files())

    assert (entry.file, entry.reason, entry.adapter, entry.target) == (
        agent.entry_file, agent.entry_reason, agent.adapter, agent.target)
    assert entry.takes_message and entry.refusal is None


@pytest.mark.parametrize("agent", [pytest.param(a, id=a.key) for a in REFUSED_AGENTS])
def test_an_entry_that_cannot_take_the_message_is_refused_with_the_handler_that_would_fix_it(
        agent: RefusedAgent) -> None:
    files = {p.relative_to(agent.folder).as_posix(): p.read_bytes() for p in agent.folder.rglob("*") if p.is_file()}
    entry = entry_of(files)

    assert entry.file == agent.entry_file and not entry.takes_message
    assert entry.refusal is not None and agent.refusal in entry.refusal
    assert agent.handler_lines in entry.refusal, entry.refusal
