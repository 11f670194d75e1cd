"""Errors on the /llm paths, in OpenAI's format: {"error": {"message", "type", "param", "code"}}."""

from collections.abc import Mapping

from fastapi.responses import JSONResponse, Response

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_type(status: int) -> str:
    """OpenAI's error type for an HTTP status."""
    return _TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")


class LlmError(Exception):
    """A failed model call, answered in OpenAI's error format with ``status``."""

    def __init__(self, status: int, message: str, *, code: str | None = None, type_: str | None = None,
                 headers: Mapping[str, str] | None = None, raw_body: bytes | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.type = type_ or error_type(status)
        self.headers = dict(headers or {})
        self.raw_body = raw_body
        """An upstream's own error body, passed through as it came."""

    def body(self) -> dict[str, object]:
        return {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}

    def response(self) -> Response:
        if self.raw_body is not None:
            return Response(self.raw_body, status_code=self.status, headers=self.headers,
                            media_type="application/json")
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


class UpstreamError(LlmError):
    """A provider failed or refused; ``retryable`` when another attempt, or another provider, may succeed."""

    def __init__(self, status: int, message: str, *, retryable: bool, code: str | None = None,
                 headers: Mapping[str, str] | None = None, raw_body: bytes | None = None) -> None:
        super().__init__(status, message, code=code, headers=headers, raw_body=raw_body)
        self.retryable = retryable


def unknown_model(model: str) -> LlmError:
    return LlmError(404, f"The model `{model}` does not exist: no registered model provider serves it.",
                    code="model_not_found")


def bad_request(message: str, code: str = "invalid_request") -> LlmError:
    return LlmError(400, message, code=code)
