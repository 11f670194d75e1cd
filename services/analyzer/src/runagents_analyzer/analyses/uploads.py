"""Reading POST /api/v1/analyses: multipart files, one raw archive, or a JSON sample request.

The body is counted as it streams in and refused the moment it passes the limit, so an
oversized upload is never held in memory (multipart parts spool to disk past 1 MiB).
"""

import json
from dataclasses import dataclass

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.types import Message, Receive

from runagents_analyzer.analyses.errors import UnsupportedUpload, UploadRefused, UploadTooLarge
from runagents_analyzer.analyses.schemas import SampleRequest
from runagents_analyzer.engine import UploadLimits
from runagents_common.errors import BadRequest, invalid_json

REQUEST_LIMIT = "request_size"
ARCHIVE_TYPES = {
    "application/zip": "upload.zip",
    "application/x-zip-compressed": "upload.zip",
    "application/gzip": "upload.tar.gz",
    "application/x-gzip": "upload.tar.gz",
    "application/x-compressed-tar": "upload.tar.gz",
    "application/x-tar": "upload.tar",
}
JSON_TYPES = {"application/json"}
MAX_JSON_BYTES = 64 * 1024
MULTIPART = "multipart/form-data"
MAX_FORM_FIELDS = 100


@dataclass(frozen=True)
class UploadedFiles:
    """Files as the client sent them: loose files, or one archive still packed."""

    files: list[tuple[str, bytes]]


async def read_request(request: Request, max_bytes: int) -> UploadedFiles | SampleRequest:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES and media_type != MULTIPART and media_type not in ARCHIVE_TYPES:
        raise UnsupportedUpload(
            f"send files as {MULTIPART}, one archive as {', '.join(sorted(set(ARCHIVE_TYPES)))}, "
            'or {"sample": NAME} as application/json',
            media_type=media_type or None,
        )
    if media_type in JSON_TYPES:
        max_bytes = min(max_bytes, MAX_JSON_BYTES)
    _refuse_declared_length(request, max_bytes)
    limited = Request(request.scope, _limited_receive(request.receive, max_bytes))
    if media_type == MULTIPART:
        return await _read_multipart(limited)
    body = await limited.body()
    if media_type in JSON_TYPES:
        return _read_sample_request(body)
    return UploadedFiles([(ARCHIVE_TYPES[media_type], body)])


def too_large(max_bytes: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"the request body is over the limit of {max_bytes} bytes ({max_bytes / 1024 / 1024:g} MiB)",
        limit=REQUEST_LIMIT,
        max=max_bytes,
    )


def _refuse_declared_length(request: Request, max_bytes: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)


def _limited_receive(receive: Receive, max_bytes: int) -> Receive:
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise too_large(max_bytes)
        return message

    return receive_within_limit


async def _read_multipart(request: Request) -> UploadedFiles:
    # The parts are counted while they are parsed: each is an object with a spooled file, so a body of
    # tiny parts would otherwise cost a gigabyte and a minute before the unpacker could count them.
    max_files = UploadLimits().max_files
    parser = MultiPartParser(request.headers, request.stream(), max_files=max_files, max_fields=MAX_FORM_FIELDS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if "files" in exc.message.lower():
            raise UploadRefused(f"more than {max_files} files", limit="file_count", max=max_files) from exc
        raise BadRequest(f"the multipart body cannot be read: {exc.message}") from exc
    files: list[tuple[str, bytes]] = []
    try:
        for _field, value in form.multi_items():
            if isinstance(value, UploadFile):
                files.append((value.filename or "", await value.read()))
    finally:
        await form.close()
    if not files:
        raise UploadRefused("the upload holds no files: send one or more `files` parts", limit="empty_upload")
    return UploadedFiles(files)


def _read_sample_request(body: bytes) -> SampleRequest:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise invalid_json(exc) from exc
    try:
        return SampleRequest.model_validate(document)
    except ValidationError as exc:
        raise UploadRefused(
            'expected {"sample": NAME} with a sample name such as "hello-world"', limit="sample_request"
        ) from exc
