"""Each deployment's own keys. Its key for the LLM gateway: what its runtime gives the agent's code as
OPENAI_API_KEY / ANTHROPIC_API_KEY, in place of any provider's key. Its invoke key: what the front door
sends the runtime with each invoke, so only the platform reaches the agent (RUNAGENTS_INVOKE_KEY).

The key is derived (HMAC-SHA256 of the deployment under the deployer's secret), so it is stored
nowhere: the gateway learns only its SHA-256 from the deploy event, and a new deployment, or the
agent's deletion, revokes the old one.
"""

import base64
import hashlib
import hmac

from pydantic import SecretStr

KEY_PREFIX = "ra-agent-"
INVOKE_KEY_PREFIX = "ra-invoke-"
INVOKE_KEY_ENV = "RUNAGENTS_INVOKE_KEY"
"""The runtime reads its invoke key from this variable (runagents_runtime.config)."""


def agent_gateway_key(secret: SecretStr, agent: str, deployment_id: str) -> str:
    digest = hmac.new(secret.get_secret_value().encode(), f"gateway-key\0{agent}\0{deployment_id}".encode(),
                      hashlib.sha256).digest()
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def agent_invoke_key(secret: SecretStr, agent: str, deployment_id: str) -> str:
    """The credential the front door presents to that deployment's runtime: derived like the gateway key, under
    another label, so a deployer that restarts knows it without storing it."""
    digest = hmac.new(secret.get_secret_value().encode(), f"invoke-key\0{agent}\0{deployment_id}".encode(),
                      hashlib.sha256).digest()
    return INVOKE_KEY_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
