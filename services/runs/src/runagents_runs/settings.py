from runagents_common.settings import PlatformSettings


class RunsSettings(PlatformSettings):
    """Settings of the runs service (runs of deployed agents and their event timelines).

    It has none of its own yet: the shared database, bus and telemetry parts are all it reads.
    """
