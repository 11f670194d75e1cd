"""Why an upload or a lookup is refused; each names the limit or thing at fault."""

from runagents_common.errors import InvalidRequest, NotFound, PayloadTooLarge, RunAgentsError


class UploadRefused(InvalidRequest):
    """The upload breaks a rule of safe unpacking (path, symlink, count, ratio, empty, ...)."""

    code = "upload_rejected"
    title = "Upload refused"


class UploadTooLarge(PayloadTooLarge):
    """The upload, or one file in it, is over a size limit."""

    code = "upload_too_large"
    title = "Upload too large"


class UnsupportedUpload(RunAgentsError):
    """The request body is neither multipart files, an archive, nor a JSON sample request."""

    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class UnknownSample(NotFound):
    code = "unknown_sample"
    title = "Unknown sample"


class AnalysisNotFound(NotFound):
    code = "analysis_not_found"
    title = "Analysis not found"


class SourceUnavailable(RunAgentsError):
    """The analysis exists but its stored source is gone or damaged."""

    status = 410
    code = "source_unavailable"
    title = "Source unavailable"
