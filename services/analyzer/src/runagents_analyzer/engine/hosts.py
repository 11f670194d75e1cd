"""Outbound hosts: every host a call in the code actually contacts, with where it comes from.

Only strings that are arguments of calls count, and not of calls that merely show or parse
text (print, logging, exceptions, urlparse), so URLs in comments, docstrings, log lines,
OAuth scopes and e-mail addresses are not hosts."""

import ast
from collections.abc import Iterable

from .evaluate import ENV_GETTERS, Evaluator
from .project import Project
from .report import Host, SourceLocation
from .scopes import Scope
from .tools import OutboundCall
from .urls import NON_CONTACT_HOSTS, Url, looks_like_url, parse_url

NON_CONTACT_CALLEES = frozenset(
    {"print", "pprint", "echo", "secho", "write", "writelines", "markdown", "caption", "info", "debug", "warning",
     "warn", "error", "exception", "critical", "log", "success", "trace", "urlparse", "urlsplit", "quote",
     "quote_plus", "unquote", "urlencode", "startswith", "endswith", "replace", "split", "match", "search",
     "compile", "sub", "fullmatch", "findall", "format", "Text", "Markdown", "Panel", "HTML", "title", "header",
     "subheader", "text", "code", "append", "add", "join", "open_new_tab", "open_new", "set_description",
     # UI widgets (Streamlit, Gradio, Chainlit): the user's browser loads these, not the agent
     "image", "video", "audio", "logo", "link_button", "page_link", "set_page_config", "Image", "Video", "Audio"}
)
NON_CONTACT_QUALNAMES = frozenset({"webbrowser.open", "webbrowser.open_new", "webbrowser.open_new_tab"})
LOOKUP_CALLEES = frozenset(
    {name.rsplit(".", 1)[-1] for name in NON_CONTACT_QUALNAMES | ENV_GETTERS} | {"get", "setdefault", "pop"}
)
NON_CONTACT_KEYWORDS = frozenset(
    {"description", "help", "doc", "docs", "docs_url", "homepage", "website", "scope", "scopes", "redirect_uri",
     "callback_url", "example", "examples", "placeholder", "title", "text", "message", "content", "prompt",
     "instructions", "system", "system_prompt", "msg", "detail", "label", "license_url", "terms_of_service",
     "page_icon", "icon", "icon_url", "avatar", "avatar_url", "logo", "thumbnail", "thumbnail_url"}
)
VALUE_PRESERVING_CALLEES = frozenset(
    {"get", "getenv", "setdefault", "config", "urljoin", "format", "rstrip", "lstrip", "strip", "removesuffix",
     "removeprefix", "join", "str"}
)
RESERVED_DOMAINS = ("example", "test", "invalid", "example.com", "example.org", "example.net")


def _callee_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_non_contact(call: ast.Call, project: Project, scope: Scope) -> bool:
    """Calls that show, parse or look up text; a value they hand on is counted where it is used."""
    name = _callee_name(call)
    if name in NON_CONTACT_CALLEES or name.endswith(("Error", "Exception", "Warning")):
        return True
    if name not in LOOKUP_CALLEES:
        return False
    qualname = project.qualname(call.func, scope)
    if qualname in NON_CONTACT_QUALNAMES or qualname in ENV_GETTERS:
        return True
    if name in ("get", "setdefault", "pop") and isinstance(call.func, ast.Attribute):
        container, _ = project.resolve_node(call.func.value, scope)
        return isinstance(container, ast.Dict)
    return False


def _may_hold_url(argument: ast.expr) -> bool:
    """Worth evaluating. Values returned by other calls are not followed: the call using them is scanned."""
    if isinstance(argument, ast.Call):
        return _callee_name(argument) in VALUE_PRESERVING_CALLEES
    return isinstance(argument, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Name | ast.Attribute | ast.Subscript)


def contacted_host(url: Url) -> str | None:
    host = url.host
    if not url.host_is_known or not host or host in NON_CONTACT_HOSTS:
        return None
    if any(host == reserved or host.endswith("." + reserved) for reserved in RESERVED_DOMAINS):
        return None
    return host


class HostCollector:
    def __init__(self, project: Project) -> None:
        self.project = project
        # An argument that is a parameter is not traced back: the caller's argument is scanned itself.
        self.evaluator = Evaluator(project, follow_parameters=False)
        self.sources: dict[str, set[tuple[str, int]]] = {}

    def add(self, host: str | None, file: str, line: int) -> None:
        if host:
            self.sources.setdefault(host, set()).add((file, line))

    def add_calls(self, calls: Iterable[OutboundCall]) -> None:
        for call in calls:
            self.add(contacted_host(call.url), call.file, call.line)

    def scan_call_arguments(self) -> None:
        for module in self.project.modules:
            for call, scope in module.calls:
                if _is_non_contact(call, self.project, scope):
                    continue
                arguments = [*call.args, *(k.value for k in call.keywords if k.arg not in NON_CONTACT_KEYWORDS)]
                for argument in arguments:
                    if _may_hold_url(argument):
                        self._scan_argument(argument, scope, module.path, call.lineno)

    def _scan_argument(self, argument: ast.expr, scope: Scope, file: str, line: int) -> None:
        if isinstance(argument, ast.Constant) and not (
            isinstance(argument.value, str) and "://" in argument.value
        ):
            return
        for value in self.evaluator.values(argument, scope):
            text = value.render()
            if looks_like_url(text):
                self.add(contacted_host(parse_url(value)), file, line)

    def add_urls(self, urls: Iterable[tuple[Url, str, int]]) -> None:
        for url, file, line in urls:
            self.add(contacted_host(url), file, line)

    def hosts(self) -> list[Host]:
        return [
            Host(host=host, sources=[SourceLocation(file=f, line=n) for f, n in sorted(sources)])
            for host, sources in sorted(self.sources.items())
        ]
