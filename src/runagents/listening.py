"""Take a listening address before saying the platform runs there, so a busy port is one clear line."""

import socket

import uvicorn
from starlette.types import ASGIApp


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``; a busy or unknown address ends the command with one line, exit code 1."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise SystemExit(f"runagents: cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, protocol, _, address = infos[0]
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise SystemExit(f"runagents: cannot listen on {host}:{port}: {reason}") from None
    return sock


def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Run ``app`` with uvicorn on an already bound socket."""
    host, port = sock.getsockname()[:2]
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run(sockets=[sock])
