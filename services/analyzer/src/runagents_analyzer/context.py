from dataclasses import dataclass

from runagents_analyzer.settings import AnalyzerSettings
from runagents_analyzer.sources import SourceStore
from runagents_common.db.outbox import Outbox
from runagents_common.jobs import JobRunner


@dataclass
class AnalyzerContext:
    """What the analyzer's endpoints and handlers share: settings, storage, outbox, jobs."""

    settings: AnalyzerSettings
    store: SourceStore
    outbox: Outbox
    jobs: JobRunner
