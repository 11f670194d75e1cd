from dataclasses import dataclass

from runagents_analyzer.settings import AnalyzerSettings
from runagents_analyzer.sources import SourceStore
from runagents_common.db.outbox import Outbox


@dataclass
class AnalyzerContext:
    """What the analyzer's endpoints share: settings, storage, outbox."""

    settings: AnalyzerSettings
    store: SourceStore
    outbox: Outbox
