"""Each deployment's own key for the LLM gateway: what its runtime gives the agent's code as
OPENAI_API_KEY / ANTHROPIC_API_KEY, in place of any provider's key.

The key is derived (HMAC-SHA256 of the deployment under the deployer's secret), so it is stored
nowhere: the gateway learns only its SHA-256 from the deploy event, and a new deployment, or the
agent's deletion, revokes the old one.
"""

import base64
import hashlib
import hmac

from pydantic import SecretStr

KEY_PREFIX = "ra-agent-"


def agent_gateway_key(secret: SecretStr, agent: str, deployment_id: str) -> str:
    digest = hmac.new(secret.get_secret_value().encode(), f"gateway-key\0{agent}\0{deployment_id}".encode(),
                      hashlib.sha256).digest()
    return KEY_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
