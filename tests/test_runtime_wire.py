"""The names the deployer and the agent runtime must agree on (a service does not import the runtime)."""

from runagents_deployer.agents import gateway_keys
from runagents_deployer.backends import local_process
from runagents_runtime import config, propagation


def test_the_deployer_sends_the_invoke_key_where_the_runtime_reads_it() -> None:
    assert gateway_keys.INVOKE_KEY_HEADER == propagation.INVOKE_KEY_HEADER
    assert gateway_keys.INVOKE_KEY_ENV == config.INVOKE_KEY_ENV
    assert config.load_config({local_process.DEPLOYMENT_ENV: "dep-1"}).deployment_id == "dep-1"
