from pydantic import Field

from runagents_common.settings import PlatformSettings


class RunsSettings(PlatformSettings):
    """Settings of the runs service (runs of deployed agents and their event timelines)."""

    runs_announced_wait_seconds: float = Field(
        default=10.0, ge=0,
        description="How long a read of a run id the front door just minted waits for the run's first event "
                    "before answering 404 (the id was handed out before its run.started was ingested).",
    )
    runs_batch_size: int = Field(
        default=500, ge=1,
        description="Events the consumer takes from the bus and writes in one transaction, at most.",
    )
