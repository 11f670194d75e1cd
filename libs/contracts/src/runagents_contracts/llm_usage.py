"""A language-model call the analysis found in the agent's code (part of the analysis report).

The analyzer writes it; the deployer reads it to check that every model role the code uses is
wired, and that an agent whose framework needs a model gets a chat model.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from runagents_contracts.entry import EntryAdapter

LlmRole = Literal["chat", "embedding", "classify", "reranking"]

ADAPTERS_NEEDING_A_MODEL: frozenset[EntryAdapter] = frozenset(EntryAdapter) - {
    EntryAdapter.HANDLER, EntryAdapter.LAMBDA, EntryAdapter.MAIN,
}
"""Entries run through an agent framework, which calls a chat model to answer (a handler, a Lambda
handler or a main function may not)."""


class SuggestedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str


class LlmUsage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str
    model: str | None = Field(description="Model name; null when the code does not name one.")
    role: LlmRole
    file: str
    line: int
    suggested: SuggestedModel | None = None
    routable: bool = Field(
        default=True,
        description="The call reaches the platform's model gateway: its SDK speaks a wire the gateway serves "
                    "and reads a base-URL variable the runtime sets. False: it goes to the vendor directly.",
    )
    note: str | None = Field(default=None, description="When not routable: why, and what becomes of the call.")
