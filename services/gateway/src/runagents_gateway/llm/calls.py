"""One model call as the gateway saw it: who asked, where it went, what it cost."""

import contextlib
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runagents_common.db.base import utcnow
from runagents_common.events.catalog import LlmCallCompleted
from runagents_common.run_wire import RUN_ID_HEADER, RUN_SEQ_HEADER, run_seq_of
from runagents_common.telemetry import trace_id_of
from runagents_gateway.agent_keys.grants import Grant
from runagents_gateway.llm.chat import count_of

RUN_HEADER = RUN_ID_HEADER.lower()
SEQ_HEADER = RUN_SEQ_HEADER.lower()
AGENT_HEADER = "x-runagents-agent"
TIMEOUT_HEADER = "x-runagents-timeout"


@dataclass
class LlmCall:
    run_id: str | None
    trace_id: str | None
    agent: str | None
    seq: int | None = None
    """The call's number within its run, as the run's process numbered it."""
    started: float = field(default_factory=time.perf_counter)
    began: float = field(default_factory=time.monotonic)
    grant: Grant | None = field(default=None, repr=False)
    """What the caller's agent key allows; None for a caller without one (only where the gateway allows that)."""
    timeout: float | None = None
    """Seconds the client waits for the answer, when it says (the call gives up, retries included, by then)."""
    provider: str = ""
    model: str = ""
    status: int = 200
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None
    tool_calls: list[str] = field(default_factory=list)
    usage_estimated: bool = False
    """The tokens are the gateway's estimate: the provider streamed its answer without reporting usage."""
    unread_body: bytes | None = None
    """A relayed response body whose usage is read after the response is sent, off the hot path."""
    finished: float | None = None
    finished_at: datetime | None = None
    """When the answer was complete (its last chunk sent, for a stream); the event is written later."""

    def mark_finished(self) -> None:
        """Note that the answer is complete, once: the call's latency and timeline time end here."""
        if self.finished is None:
            self.finished, self.finished_at = time.perf_counter(), utcnow()

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "LlmCall":
        return cls(
            run_id=headers.get(RUN_HEADER) or None,
            seq=run_seq_of(headers.get(SEQ_HEADER)),
            trace_id=trace_id_of(headers.get("traceparent")),
            agent=headers.get(AGENT_HEADER) or None,
            timeout=_timeout_of(headers),
        )

    def observe_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            self.prompt_tokens = count_of(usage.get("prompt_tokens"), self.prompt_tokens)
            self.completion_tokens = count_of(usage.get("completion_tokens"), self.completion_tokens)
            self.usage_estimated = False

    def estimate_usage(self, request: Mapping[str, Any], answer_pieces: int) -> dict[str, Any]:
        """Count a stream the provider reported no usage for from what the gateway saw, and say so.

        Servers stream about one token a piece, so the answer's pieces stand for its tokens; the prompt
        is taken at about four characters a token. Returns the usage object, marked ``estimated``.
        """
        self.prompt_tokens = estimated_prompt_tokens(request)
        self.completion_tokens = answer_pieces
        self.usage_estimated = True
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.prompt_tokens + self.completion_tokens, "estimated": True}

    def observe_completion(self, body: Any) -> None:
        """Read usage, finish reason and requested tools from a chat.completion or embeddings body."""
        if not isinstance(body, dict):
            return
        self.observe_usage(body.get("usage"))
        for choice in _choices(body):
            self._observe_choice(choice, choice.get("message"))

    def observe_chunk(self, chunk: Any) -> None:
        """Read the same from one chat.completion.chunk of a stream."""
        if not isinstance(chunk, dict):
            return
        self.observe_usage(chunk.get("usage"))
        for choice in _choices(chunk):
            self._observe_choice(choice, choice.get("delta"))

    def read_unread_body(self) -> None:
        if self.unread_body is None:
            return
        body, self.unread_body = self.unread_body, None
        # A body that is not JSON went to the client as the upstream sent it; it has no usage to count.
        with contextlib.suppress(ValueError):
            self.observe_completion(json.loads(body))

    def completed_event(self) -> LlmCallCompleted:
        self.read_unread_body()
        return LlmCallCompleted(
            run_id=self.run_id,
            trace_id=self.trace_id,
            agent=self.agent,
            provider=self.provider,
            model=self.model,
            status=self.status,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            latency_ms=round(((self.finished or time.perf_counter()) - self.started) * 1000, 3),
            finish_reason=self.finish_reason,
            tool_calls=self.tool_calls,
            usage_estimated=self.usage_estimated,
            at=self.finished_at or utcnow(),
            seq=self.seq,
        )

    def _observe_choice(self, choice: dict[str, Any], message: Any) -> None:
        if isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]
        if not isinstance(message, dict):
            return
        for tool_call in message.get("tool_calls") or []:
            function = tool_call.get("function") if isinstance(tool_call, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if isinstance(name, str) and name:
                self.tool_calls.append(name)


def answer_pieces(chunk: dict[str, Any]) -> int:
    """How many pieces of answer a chat chunk streams: texts and tool-call argument pieces, empty ones not."""
    pieces = 0
    for choice in _choices(chunk):
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            continue
        if isinstance(delta.get("content"), str) and delta["content"]:
            pieces += 1
        for tool_call in delta.get("tool_calls") or []:
            function = tool_call.get("function") if isinstance(tool_call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str) and function["arguments"]:
                pieces += 1
    return pieces


def estimated_prompt_tokens(request: Mapping[str, Any]) -> int:
    """About a token per four characters of the request's messages and tools, as JSON."""
    characters = sum(len(json.dumps(request[key], separators=(",", ":"), ensure_ascii=False))
                     for key in ("messages", "tools") if request.get(key))
    return math.ceil(characters / 4)


def _timeout_of(headers: Mapping[str, str]) -> float | None:
    """The client's own timeout: ours, or the one the OpenAI and Anthropic SDKs announce."""
    for name in (TIMEOUT_HEADER, "x-stainless-timeout"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if 0 < seconds < float("inf"):
            return seconds
    return None


def _choices(body: dict[str, Any]) -> list[dict[str, Any]]:
    choices = body.get("choices")
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []
