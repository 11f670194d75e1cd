"""A plain HTTP server that records the headers of every GET it gets, keyed by the query's value.

The runtime tests give its URL to an agent's code and read what that code's HTTP clients sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HeaderRecorder(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.seen: dict[str, dict[str, str]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/call"


class _RecordingHandler(BaseHTTPRequestHandler):
    server: HeaderRecorder

    def do_GET(self) -> None:
        self.server.seen[self.path.split("=", 1)[-1]] = {name.lower(): value for name, value in self.headers.items()}
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_headers() -> Iterator[HeaderRecorder]:
    """A `HeaderRecorder` serving on a loopback port until the block ends."""
    server = HeaderRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
