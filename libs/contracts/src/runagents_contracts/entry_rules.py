"""The discovery rules the analyzer (reading the source) and the runtime (looking at the loaded
objects) both follow to choose the entry and its adapter: one table, in priority order."""

from pydantic import BaseModel, ConfigDict

from runagents_contracts.entry import EntryAdapter


class EntryRule(BaseModel):
    """How an adapter's entry is recognised: by a function's name, or by the framework class of a
    module-level object (or the factory function that makes one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    adapter: EntryAdapter
    function_names: tuple[str, ...] = ()
    """Module-level functions this adapter calls (handler, lambda_handler, main)."""
    import_roots: tuple[str, ...] = ()
    """Top-level packages of the framework (`agents`, `langgraph`)."""
    class_names: tuple[str, ...] = ()
    """Classes (or constructors) whose instances are this framework's runnable agent."""
    factory_names: tuple[str, ...] = ()
    """Functions of the framework that return such an object (create_react_agent)."""


ENTRY_RULES: tuple[EntryRule, ...] = (
    EntryRule(adapter=EntryAdapter.HANDLER, function_names=("handler",)),
)
"""Placeholder: the full table lands with the adapters (issue 14)."""
