"""The runtime and the platform's services spell the run's headers alike (the runtime cannot import
``runagents_common``; both sides keep their own constant and this test holds them equal)."""

from runagents_common import run_wire
from runagents_runtime import propagation


def test_the_runtime_and_the_services_name_the_run_headers_alike() -> None:
    assert propagation.RUN_ID_HEADER == run_wire.RUN_ID_HEADER
    assert propagation.RUN_SEQ_HEADER == run_wire.RUN_SEQ_HEADER
    assert propagation.AGENT_HEADER == run_wire.AGENT_HEADER


def test_a_call_number_the_runtime_sends_is_one_the_services_read() -> None:
    run = propagation.propagation_from_headers({}, agent_name="agent", agent_token=None)
    sent = [propagation.outbound_headers(run)[propagation.RUN_SEQ_HEADER] for _ in range(3)]

    assert [run_wire.run_seq_of(value) for value in sent] == [1, 2, 3]
    assert run_wire.run_seq_of("0") is None and run_wire.run_seq_of("-1") is None
    assert run_wire.run_seq_of("²") is None and run_wire.run_seq_of(None) is None
