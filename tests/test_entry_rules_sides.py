"""The analyzer and the runtime's agent side follow the same entry rules: the agent side runs on the
standard library alone and cannot import runagents_contracts, so what it keeps of them is a copy
these tests hold equal to the contract."""

from runagents_contracts import entry_rules

from runagents_runtime.agent_side.adapters import main_function


def test_the_runtime_refuses_the_same_command_line_parameters_of_main_as_the_analyzer() -> None:
    assert main_function.ARGV_NAMES == entry_rules.ARGV_NAMES
