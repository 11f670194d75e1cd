"""When a run counts as complete, judged on the merged run itself."""

from datetime import timedelta

from runagents_common.db.base import utcnow
from runagents_runs.runs.models import OTHER_CALLS_GRACE, Run, RunStatus


def finished_run(*, llm_seen: int, other_expected: int, last_event_ago: timedelta) -> Run:
    return Run(id="r", status=RunStatus.SUCCEEDED.value, start_reported=True, started_at=utcnow(),
               llm_calls_seen=llm_seen, tool_calls_seen=0, expected_llm_calls=1, expected_tool_calls=0,
               expected_other_calls=other_expected, updated_at=utcnow() - last_event_ago)


def test_a_call_to_a_host_outside_the_platform_does_not_keep_a_run_incomplete_for_ever() -> None:
    # The agent's own HTTP client called a host the platform never sees: no event will name that call.
    waiting = finished_run(llm_seen=1, other_expected=1, last_event_ago=timedelta(seconds=1))
    assert waiting.complete is False, "its last events may still be on their way"

    quiet = finished_run(llm_seen=1, other_expected=1, last_event_ago=OTHER_CALLS_GRACE + timedelta(seconds=1))
    assert quiet.complete is True


def test_a_missing_model_call_keeps_a_run_incomplete_however_long_it_is_quiet() -> None:
    quiet = finished_run(llm_seen=0, other_expected=0, last_event_ago=OTHER_CALLS_GRACE * 10)
    assert quiet.complete is False
