from dataclasses import dataclass

from runagents_gateway.agent_keys.grants import GrantTable
from runagents_gateway.agent_keys.limits import AgentLimits
from runagents_gateway.llm.service import LlmWire
from runagents_gateway.llm.usage import UsageRecorder
from runagents_gateway.providers.secrets import KeyCipher
from runagents_gateway.settings import GatewaySettings


@dataclass
class GatewayContext:
    """The gateway's process-wide state, reached by its endpoints."""

    settings: GatewaySettings
    cipher: KeyCipher
    wire: LlmWire
    grants: GrantTable
    limits: AgentLimits
    usage: UsageRecorder
