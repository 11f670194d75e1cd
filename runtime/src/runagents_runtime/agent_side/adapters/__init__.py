"""One module per framework: each exports `recognizes(obj) -> bool` and `bind(obj) -> RunTurn`.

`ADAPTER_MODULES` maps each `EntryAdapter` value (runagents_contracts.entry; spelt here as plain
strings, this package is standard-library only) to its module, imported only when used.
"""

from __future__ import annotations

import importlib
from types import ModuleType

ADAPTER_MODULES = {
    "handler": "handler",
    "lambda": "aws_lambda",
    "main": "main_function",
    "openai-agents": "openai_agents",
    "langgraph": "langgraph",
    "langchain": "langchain",
    "crewai": "crewai",
    "llamaindex": "llamaindex",
    "pydantic-ai": "pydantic_ai",
    "smolagents": "smolagents",
    "autogen": "autogen",
    "agno": "agno",
    "google-adk": "google_adk",
}


def adapter_module(adapter: str) -> ModuleType:
    """The module of `adapter` (an EntryAdapter value)."""
    return importlib.import_module(f"{__name__}.{ADAPTER_MODULES[adapter]}")
