"""Providers whose wire is not OpenAI's: each kind's module translates a chat-completions request to
its API and the answer back, whole or chunk by chunk (llm/relay.py is the OpenAI-wire counterpart)."""

from typing import Any, Protocol

from runagents_gateway.llm.anthropic_upstream.kind import ANTHROPIC
from runagents_gateway.llm.bedrock.kind import BedrockKind
from runagents_gateway.llm.calls import LlmCall
from runagents_gateway.llm.chat import ChatAnswer, ChatChunks
from runagents_gateway.llm.routes import Route
from runagents_gateway.llm.upstream import Upstream


class TranslatingKind(Protocol):
    async def completion(self, upstream: Upstream, route: Route, request: dict[str, Any],
                         call: LlmCall) -> ChatAnswer: ...

    async def chunks(self, upstream: Upstream, route: Route, request: dict[str, Any],
                     call: LlmCall) -> ChatChunks: ...


TRANSLATED_KINDS: dict[str, TranslatingKind] = {"anthropic": ANTHROPIC}
"""Provider kind -> its translation."""
TRANSLATED_KINDS["bedrock"] = BedrockKind()
