from pydantic import Field

from runagents_common.settings import PlatformSettings

MIB = 1024 * 1024


class AnalyzerSettings(PlatformSettings):
    """Settings of the analyzer service (uploads, source storage, analysis jobs)."""

    analyzer_max_upload_bytes: int = Field(
        default=50 * MIB, gt=0,
        description="Largest request body POST /api/v1/analyses accepts (all files or the archive together).",
    )
    analyzer_concurrency: int = Field(
        default=2, ge=1, description="Analyses run at the same time by one analyzer process."
    )
    analyzer_timeout_seconds: float = Field(
        default=300.0, gt=0,
        description="An attempt of an analysis still running after this long has its engine process killed; "
                    "it is tried again up to analyzer_max_attempts starts.",
    )
    analyzer_memory_limit_bytes: int = Field(
        default=2 * 1024**3, ge=256 * 1024**2,
        description="The address space an analysis's engine process may use; past it the engine fails on this "
                    "source (MemoryError) instead of taking the machine's memory.",
    )
    analyzer_max_attempts: int = Field(
        default=3, ge=1,
        description="Starts of one analysis (the first, retries after its deadline or a killed engine process, "
                    "resumes after a crash of the service) before it is failed with the last reason.",
    )
    analyzer_lookup_timeout_seconds: float = Field(
        default=5.0, gt=0,
        description="Timeout of fetching the registered tools and model providers an analysis matches against.",
    )
