"""The agent runtime and the platform's services spell the runtime's wire alike: the runtime cannot
import ``runagents_common`` (it runs in the agent's own environment) and no service imports the
runtime, so both sides keep their own constants and these tests hold them equal."""

from runagents_common import run_wire
from runagents_deployer.agents import gateway_keys
from runagents_deployer.backends import local_process
from runagents_runtime import config, propagation


def test_the_runtime_and_the_services_name_the_run_headers_alike() -> None:
    assert propagation.RUN_ID_HEADER == run_wire.RUN_ID_HEADER
    assert propagation.RUN_SEQ_HEADER == run_wire.RUN_SEQ_HEADER
    assert propagation.AGENT_HEADER == run_wire.AGENT_HEADER


def test_the_deployer_sends_the_invoke_key_where_the_runtime_reads_it() -> None:
    assert run_wire.INVOKE_KEY_HEADER == propagation.INVOKE_KEY_HEADER
    assert gateway_keys.INVOKE_KEY_ENV == config.INVOKE_KEY_ENV
    assert config.load_config({local_process.DEPLOYMENT_ENV: "dep-1"}).deployment_id == "dep-1"


def test_a_call_number_the_runtime_sends_is_one_the_services_read() -> None:
    run = propagation.propagation_from_headers({}, agent_name="agent", agent_token=None)
    sent = [propagation.outbound_headers(run)[propagation.RUN_SEQ_HEADER] for _ in range(3)]

    assert [run_wire.run_seq_of(value) for value in sent] == [1, 2, 3]
    assert run_wire.run_seq_of("0") is None and run_wire.run_seq_of("-1") is None
    assert run_wire.run_seq_of("²") is None and run_wire.run_seq_of(None) is None
