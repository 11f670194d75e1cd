"""Grouping outbound HTTP calls into the tools an agent uses."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol

from .report import Tool, ToolCall
from .urls import (
    HTTP_SCHEMES,
    Url,
    parse_url,
    platform_tool_of,
    tool_name_from_env,
    tool_name_from_host,
    tool_name_from_host_long,
)


class OutboundCall(Protocol):
    """An HTTP call found in Python or JavaScript."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> Url: ...


@dataclass(slots=True)
class _Group:
    name: str
    host: str | None
    platform: bool
    bases: list[str] = field(default_factory=list)
    calls: list[OutboundCall] = field(default_factory=list)


def _base_and_name(url: Url) -> tuple[str, str, bool] | None:
    """(base URL, tool name, whether the platform names the tool) for one call.

    The base is the root the code itself gives the tool: the platform's TOOL_URL_* or
    context.tools value, a client's base_url, or a named constant that a path is appended
    to. A URL used whole has its origin (scheme://host:port) as base."""
    origin, lead, rest = url.value.leading_origin()
    lead_text = lead.render().rstrip("/")
    platform_tool = platform_tool_of(origin)
    if platform_tool is not None:
        return lead_text, platform_tool, True
    lead_url = parse_url(lead)
    if origin is not None and origin.kind == "env" and not lead.has_known_text:
        name = tool_name_from_env(origin.name)
        return (lead_text, name, False) if name else None
    if url.scheme not in HTTP_SCHEMES or not url.host:
        return None
    name = tool_name_from_host(url.host, url.port)
    named_base = origin is not None and origin.kind in ("env", "name", "client") and rest.parts
    if named_base and lead_url.host == url.host and lead_url.scheme:
        return lead_text, name, False
    return url.origin or lead_text, name, False


def _common_base(bases: list[str]) -> str:
    if len(set(bases)) == 1:
        return bases[0]
    split = [base.split("/") for base in bases]
    common: list[str] = []
    for segments in zip(*split, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    return "/".join(common) if len(common) >= 3 else bases[0]  # 3 segments: "https:", "", host


def group_tools(calls: Sequence[OutboundCall]) -> list[Tool]:
    groups: dict[tuple[str, str | None], _Group] = {}
    for call in calls:
        described = _base_and_name(call.url)
        if described is None:
            continue
        base, name, platform = described
        host = parse_url(call.url.value.leading_origin()[1]).host if platform else call.url.host
        key = (name, None if platform else host)
        group = groups.setdefault(key, _Group(name, host, platform))
        group.bases.append(base)
        group.calls.append(call)
    _disambiguate(list(groups.values()))
    tools = [
        Tool(
            name=group.name,
            base_url=_common_base(group.bases),
            host=group.host if group.host and "{" not in group.host else None,
            calls=_tool_calls(group.calls),
        )
        for group in groups.values()
    ]
    return sorted(tools, key=lambda tool: tool.name)


def _disambiguate(groups: list[_Group]) -> None:
    by_name: dict[str, list[_Group]] = {}
    for group in groups:
        by_name.setdefault(group.name, []).append(group)
    for same in by_name.values():
        if len(same) < 2:
            continue
        keep = max(same, key=lambda g: (g.platform, len(g.calls)))
        for group in same:
            if group is not keep and group.host:
                group.name = tool_name_from_host_long(group.host)


def _tool_calls(calls: list[OutboundCall]) -> list[ToolCall]:
    unique = {
        (call.file, call.line, call.method, call.url.text): ToolCall(
            file=call.file, line=call.line, method=call.method, url=call.url.text
        )
        for call in calls
    }
    return sorted(unique.values(), key=lambda c: (PurePosixPath(c.file).as_posix(), c.line, c.url))
