"""Per-agent request rate and daily token budget, counted in this gateway process.

The rate is a token bucket holding a minute's requests, so a burst up to the limit passes and the
rest is spread out; the budget counts the tokens providers reported for the agent's calls since
midnight UTC. A call that starts within budget finishes even if it overshoots it; the next is refused.
With several gateway replicas each counts its own share: the operator divides the limits by the
replica count, or accepts up to that many times the limit.
"""

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from runagents_gateway.agent_keys.grants import Grant
from runagents_gateway.llm.errors import LlmError


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class _DailyTokens:
    day: str
    used: int = 0


@dataclass
class AgentLimits:
    clock: "Clock" = field(default_factory=lambda: Clock())
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _tokens: dict[str, _DailyTokens] = field(default_factory=dict)

    def admit(self, grant: Grant) -> None:
        """Take one request of ``grant``'s agent, or raise its 429."""
        if grant.tokens_per_day is not None:
            spent = self._spent(grant.agent)
            if spent.used >= grant.tokens_per_day:
                raise LlmError(429, f"Agent {grant.agent!r} used its budget of {grant.tokens_per_day} tokens for "
                               "today (UTC).", code="token_budget_exceeded", type_="insufficient_quota",
                               headers={"retry-after": str(self.clock.seconds_to_midnight())})
        if grant.requests_per_minute is not None:
            self._take(grant.agent, grant.requests_per_minute)

    def spend(self, agent: str, tokens: int) -> None:
        """Count the tokens a finished call of ``agent`` used."""
        if tokens > 0:
            self._spent(agent).used += tokens

    def _take(self, agent: str, per_minute: int) -> None:
        now = self.clock.monotonic()
        rate = per_minute / 60.0
        bucket = self._buckets.get(agent)
        if bucket is None:
            bucket = self._buckets[agent] = _Bucket(tokens=float(per_minute), updated=now)
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = math.ceil((1.0 - bucket.tokens) / rate)
            raise LlmError(429, f"Agent {agent!r} is limited to {per_minute} model calls a minute.",
                           code="rate_limit_exceeded", headers={"retry-after": str(max(1, wait))})
        bucket.tokens -= 1.0

    def _spent(self, agent: str) -> _DailyTokens:
        today = self.clock.today()
        spent = self._tokens.get(agent)
        if spent is None or spent.day != today:
            spent = self._tokens[agent] = _DailyTokens(day=today)
        return spent


class Clock:
    """Time as the limits read it (tests move it)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> str:
        return self.now().date().isoformat()

    def seconds_to_midnight(self) -> int:
        now = self.now()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return max(1, math.ceil((midnight - now).total_seconds()))
