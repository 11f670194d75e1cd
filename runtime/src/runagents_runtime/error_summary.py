"""Secrets out of what the server passes on from the agent's process.

The agent's process summarizes its own exceptions (agent_side/child/errors.py, with the same
rules); the server redacts again with its own environment, which holds the agent's token too.
"""

from __future__ import annotations

from runagents_runtime.agent_side.child.errors import REDACTED, redact_secrets

__all__ = ["REDACTED", "redact_secrets"]
