"""Pre-wiring: which registered tool or model provider matches each finding."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from .report import LlmUsage, SuggestedModel, Tool
from .urls import DEFAULT_PORTS, is_loopback, parse_url
from .values import StrValue


@dataclass(slots=True)
class RegisteredResources:
    """What the platform already has. tools: (name, base_url); model_providers: (name, kind, models)."""

    tools: Sequence[tuple[str, str]] = field(default_factory=list)
    model_providers: Sequence[tuple[str, str, Sequence[str]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _NormalisedUrl:
    scheme: str
    host: str
    port: str
    path: tuple[str, ...]

    def is_prefix_of(self, other: "_NormalisedUrl") -> bool:
        return (
            (self.scheme, self.host, self.port) == (other.scheme, other.host, other.port)
            and other.path[: len(self.path)] == self.path
        )


def normalise_url(url: str) -> _NormalisedUrl | None:
    """Lower-case scheme and host, default port made explicit, loopback names unified, path segments."""
    parsed = parse_url(StrValue.literal(url))
    if parsed.scheme is None or parsed.host is None or "{" in url:
        return None
    host = "localhost" if is_loopback(parsed.host) else parsed.host
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, "")
    path = tuple(segment for segment in parsed.path.split("?")[0].split("#")[0].split("/") if segment)
    return _NormalisedUrl(parsed.scheme, host, port, path)


def suggest_tool(tool: Tool, registered: Sequence[tuple[str, str]]) -> str | None:
    detected = [normalise_url(tool.base_url)] + [normalise_url(call.url) for call in tool.calls]
    best: tuple[int, str] | None = None
    for name, base_url in registered:
        candidate = normalise_url(base_url)
        if candidate is None:
            continue
        if any(url is not None and candidate.is_prefix_of(url) for url in detected):
            score = len(candidate.path)
            if best is None or score > best[0]:
                best = (score, name)
    if best is not None:
        return best[1]
    return next((name for name, _ in registered if name == tool.name), None)


def suggest_model(usage: LlmUsage, providers: Sequence[tuple[str, str, Sequence[str]]]) -> SuggestedModel | None:
    if usage.model is not None:
        serving = [(name, kind) for name, kind, models in providers if usage.model in models]
        if serving:
            name, _ = next(((n, k) for n, k in serving if k == usage.provider), serving[0])
            return SuggestedModel(provider=name, model=usage.model)
    # No provider serves the model: the first model of a provider of the same kind. With a single
    # provider registered (a fresh platform has only the playground), it is the only possible
    # wiring whatever its kind; the user still confirms it at deploy.
    for name, kind, models in providers:
        if models and (kind == usage.provider or len(providers) == 1):
            return SuggestedModel(provider=name, model=models[0])
    return None
