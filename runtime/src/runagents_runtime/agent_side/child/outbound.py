"""Every outbound HTTP call of the agent's code carries the run's identity, with standard-library means.

The agent reaches the gateway and its tools with whatever client it likes: the OpenAI and
Anthropic SDKs use httpx, LangChain tools often requests or urllib, some code aiohttp. Each
client is patched where it builds a request, when it is imported (an import hook: nothing is
imported that the agent does not import itself), to add the current run's `traceparent`
(a fresh span id per call), `tracestate`, `baggage`, run id, call number, agent name and
request id: so the gateway and the egress layer attach what they see to the right run. A header
the agent's code set itself is left as it is. The agent's own token is never added.

  - urllib and requests (through urllib3): http.client.HTTPConnection.endheaders, the one place
    both pass through once per request; requests needs no patch of its own (it would count twice).
  - httpx (and httpx2, its successor some SDKs use): Client.send and AsyncClient.send.
  - aiohttp: ClientRequest.update_headers, where each request's headers are made.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from runagents_runtime.agent_side.child.wire import call_headers

CALL_KINDS = ("llm", "tool", "other")


@dataclass
class RunIdentity:
    """One run as the server passes it with a turn; numbers the run's calls from any thread."""

    request_id: str
    trace_id: str
    trace_flags: str
    agent: str
    run_id: str | None = None
    tracestate: str | None = None
    baggage: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _last: int = 0

    @classmethod
    def from_message(cls, run: Mapping[str, Any]) -> RunIdentity:
        return cls(
            request_id=str(run["request_id"]),
            trace_id=str(run["trace_id"]),
            trace_flags=str(run["trace_flags"]),
            agent=str(run["agent"]),
            run_id=run.get("run_id"),
            tracestate=run.get("tracestate"),
            baggage=run.get("baggage"),
        )

    def next_headers(self) -> dict[str, str]:
        """The headers of one call about to start: a fresh span id and one more than the last number."""
        with self._lock:
            self._last += 1
            number = self._last
        return call_headers(trace_id=self.trace_id, trace_flags=self.trace_flags, agent=self.agent,
                            request_id=self.request_id, number=number, run_id=self.run_id,
                            tracestate=self.tracestate, baggage=self.baggage)

    def counts(self) -> dict[str, int]:
        """How many calls of each kind were numbered: the agent's clients cannot tell a model from a tool."""
        with self._lock:
            return {"llm": 0, "tool": 0, "other": self._last}


_current: ContextVar[RunIdentity | None] = ContextVar("runagents_agent_run", default=None)


class InFlightRuns:
    """The runs being served right now.

    Code that starts its own threads without copying the context (some frameworks run tools that
    way) loses the run's identity. When exactly one run is in flight, such calls can only belong
    to it; with several, they are left unattributed rather than guessed.
    """

    def __init__(self) -> None:
        self._runs: dict[int, RunIdentity] = {}

    @contextmanager
    def tracking(self, run: RunIdentity) -> Iterator[None]:
        self._runs[id(run)] = run
        try:
            yield
        finally:
            self._runs.pop(id(run), None)

    def sole(self) -> RunIdentity | None:
        runs = list(self._runs.values())
        return runs[0] if len(runs) == 1 else None


in_flight_runs = InFlightRuns()


@contextmanager
def serving(run: RunIdentity) -> Iterator[RunIdentity]:
    """Make `run` the current one inside the block (the context is copied into to_thread workers)."""
    token = _current.set(run)
    try:
        with in_flight_runs.tracking(run):
            yield run
    finally:
        _current.reset(token)


def current_run() -> RunIdentity | None:
    return _current.get() or in_flight_runs.sole()


def run_headers(present: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """The current run's headers for one call, less those `present` says the request already has."""
    run = current_run()
    if run is None:
        return
    for name, value in run.next_headers().items():
        if not present(name):
            yield name, value


# --- the patches -------------------------------------------------------------------------------

_PATCHED = "__runagents_patched__"


def _patch_http_client(module: ModuleType) -> None:
    connection = module.HTTPConnection
    original = connection.endheaders
    if getattr(original, _PATCHED, False):
        return

    def endheaders(self: Any, *args: Any, **kwargs: Any) -> Any:
        names = {bytes(line).split(b":", 1)[0].strip().lower() for line in self._buffer[1:]}
        for name, value in run_headers(lambda header: header.lower().encode() in names):
            self.putheader(name, value)
        return original(self, *args, **kwargs)

    setattr(endheaders, _PATCHED, True)
    connection.endheaders = endheaders


def _patch_httpx(module: ModuleType) -> None:
    for client_name in ("Client", "AsyncClient"):
        client = getattr(module, client_name, None)
        original = getattr(client, "send", None)
        if original is None or getattr(original, _PATCHED, False):
            continue
        client.send = _async_send(original) if client_name == "AsyncClient" else _sync_send(original)  # type: ignore[union-attr]


def _add_to(headers: Any) -> None:
    for name, value in run_headers(lambda header: header in headers):
        headers[name] = value


def _sync_send(original: Callable[..., Any]) -> Callable[..., Any]:
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        _add_to(request.headers)
        return original(self, request, *args, **kwargs)

    setattr(send, _PATCHED, True)
    return send


def _async_send(original: Callable[..., Any]) -> Callable[..., Any]:
    async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        _add_to(request.headers)
        return await original(self, request, *args, **kwargs)

    setattr(send, _PATCHED, True)
    return send


def _patch_aiohttp(module: ModuleType) -> None:
    request_class = getattr(module, "ClientRequest", None)
    original = getattr(request_class, "update_headers", None)
    if original is None or getattr(original, _PATCHED, False):
        return

    def update_headers(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _add_to(self.headers)

    setattr(update_headers, _PATCHED, True)
    request_class.update_headers = update_headers  # type: ignore[union-attr]


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "http.client": _patch_http_client,
    "httpx": _patch_httpx,
    "httpx2": _patch_httpx,
    "aiohttp": _patch_aiohttp,
}
"""Module name: how its client is patched once the module has run."""


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then the patch; the module keeps its real loader."""

    def __init__(self, loader: Any, patch: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._patch(module)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds the patched clients' modules with the other finders and wraps their loaders."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        patch = PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def install() -> list[str]:
    """Patch the clients already imported and those imported later; returns the names already patched."""
    if not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
    patched = []
    for name, patch in PATCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
            patched.append(name)
    return patched
