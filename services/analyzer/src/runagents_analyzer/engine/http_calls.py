"""Outbound HTTP calls made with requests, httpx, aiohttp, urllib, urllib3 and http.client."""

import ast
from dataclasses import dataclass

from .evaluate import Evaluator
from .project import Instance, Project
from .scopes import Scope
from .urls import DEFAULT_PORTS, Url, parse_url
from .values import Origin, StrValue

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
HTTP_MODULES = frozenset({"requests", "requests.api", "httpx", "aiohttp", "urllib3"})
SESSION_TYPES = {
    "requests.Session": "session", "requests.session": "session", "requests.sessions.Session": "session",
    "httpx.Client": "client", "httpx.AsyncClient": "client",
    "aiohttp.ClientSession": "client", "aiohttp.client.ClientSession": "client",
    "urllib3.PoolManager": "session", "urllib3.poolmanager.PoolManager": "session",
}
CONNECTION_TYPES = {"http.client.HTTPConnection": "http", "http.client.HTTPSConnection": "https"}
URLOPEN = frozenset({"urllib.request.urlopen", "urllib2.urlopen"})
REQUEST_OBJECT = frozenset({"urllib.request.Request", "urllib2.Request"})
BODY_KEYWORDS = ("json", "data", "content", "body")
CALL_FORWARDERS = frozenset({"asyncio.to_thread", "functools.partial", "anyio.to_thread.run_sync"})


@dataclass(frozen=True, slots=True)
class HttpCall:
    file: str
    line: int
    method: str
    url: Url
    call: ast.Call
    scope: Scope

    @property
    def body(self) -> ast.expr | None:
        for name in BODY_KEYWORDS:
            for keyword in self.call.keywords:
                if keyword.arg == name:
                    return keyword.value
        return None


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    found = keyword(call, name)
    if found is None and index < len(call.args) and not isinstance(call.args[index], ast.Starred):
        found = call.args[index]
    return found


def join_base(base: StrValue, url: StrValue) -> StrValue:
    """A client's base_url joined with a request path, the way httpx and aiohttp join them."""
    if "://" in url.known_prefix() or not base.parts:
        return url
    base_slash, url_slash = base.render().endswith("/"), url.render().startswith("/")
    if base_slash and url_slash and url.parts[0].known:
        url = url.map_known_text(0, url.parts[0].text[1:])
    separator = "" if base_slash or url_slash else "/"
    return base.concat(StrValue.literal(separator)).concat(url)


class HttpCallDetector:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.project = project
        self.evaluator = evaluator

    def detect(self) -> list[HttpCall]:
        found: list[HttpCall] = []
        for module in self.project.modules:
            for call, scope in module.calls:
                found.extend(self._detect_call(module.path, call, scope))
        return found

    def _detect_call(self, file: str, call: ast.Call, scope: Scope) -> list[HttpCall]:
        qualname, instance, method_path = self.project.call_target(call, scope)
        if qualname in CALL_FORWARDERS and call.args and not isinstance(call.args[0], ast.Starred):
            # asyncio.to_thread(requests.get, url): the forwarded function makes the request here
            forwarded = ast.copy_location(ast.Call(func=call.args[0], args=call.args[1:], keywords=call.keywords), call)
            return self._detect_call(file, forwarded, scope)
        if qualname is not None:
            return self._module_function(file, call, scope, qualname)
        if instance is not None:
            return self._instance_method(file, call, scope, instance, method_path)
        return []

    def _module_function(self, file: str, call: ast.Call, scope: Scope, qualname: str) -> list[HttpCall]:
        module, _, name = qualname.rpartition(".")
        if module in HTTP_MODULES and name in HTTP_METHODS:
            return self._calls(file, call, scope, StrValue.literal(name.upper()), argument(call, 0, "url"))
        if module in HTTP_MODULES and name in ("request", "stream"):
            return self._request_style(file, call, scope, None)
        if qualname in REQUEST_OBJECT:
            return self._request_object(file, call, scope)
        if qualname in URLOPEN:
            target = argument(call, 0, "url")
            if target is None or self._is_request_object(target, scope):
                return []
            has_data = argument(call, 1, "data") is not None
            return self._calls(file, call, scope, StrValue.literal("POST" if has_data else "GET"), target)
        return []

    def _is_request_object(self, expr: ast.expr, scope: Scope) -> bool:
        instance = self.project.instance(expr, scope)
        return instance is not None and instance.type in REQUEST_OBJECT

    def _instance_method(self, file: str, call: ast.Call, scope: Scope, instance: Instance,
                         method_path: str) -> list[HttpCall]:
        if instance.type in CONNECTION_TYPES and method_path == "request":
            return self._connection_request(file, call, scope, instance)
        kind = SESSION_TYPES.get(instance.type)
        if kind is None:
            return []
        base = self._client_base(instance) if kind == "client" else None
        if method_path in HTTP_METHODS:
            url = argument(call, 0, "url")
            return self._calls(file, call, scope, StrValue.literal(method_path.upper()), url, base)
        if method_path == "ws_connect":
            return self._calls(file, call, scope, StrValue.literal("GET"), argument(call, 0, "url"), base)
        if method_path in ("request", "stream"):
            return self._request_style(file, call, scope, base)
        return []

    def _client_base(self, instance: Instance) -> list[StrValue] | None:
        if instance.call is None or instance.scope is None:
            return None
        base = keyword(instance.call, "base_url")
        if base is None and instance.type.startswith("aiohttp") and instance.call.args:
            base = instance.call.args[0]
        if base is None:
            return None
        origin = Origin("client", "base_url")
        return [v.with_origin(origin, override=False) for v in self.evaluator.values(base, instance.scope)]

    def _request_style(self, file: str, call: ast.Call, scope: Scope,
                       base: list[StrValue] | None) -> list[HttpCall]:
        method_expr = argument(call, 0, "method")
        methods = self.evaluator.values(method_expr, scope) if method_expr else [StrValue.unknown("method")]
        # a helper called as api("GET", ...) and api("POST", ...) makes both kinds of call
        known = [method for method in methods if method.is_known] or methods[:1]
        return [found for method in known for found in self._calls(file, call, scope, method,
                                                                      argument(call, 1, "url"), base)]

    def _request_object(self, file: str, call: ast.Call, scope: Scope) -> list[HttpCall]:
        method_expr = keyword(call, "method")
        if method_expr is not None:
            method = self.evaluator.value(method_expr, scope)
        else:
            data = argument(call, 1, "data")
            has_data = data is not None and not (isinstance(data, ast.Constant) and data.value is None)
            method = StrValue.literal("POST" if has_data else "GET")
        return self._calls(file, call, scope, method, argument(call, 0, "url"))

    def _connection_request(self, file: str, call: ast.Call, scope: Scope, instance: Instance) -> list[HttpCall]:
        if instance.call is None or instance.scope is None:
            return []
        host_expr = argument(instance.call, 0, "host")
        if host_expr is None:
            return []
        host = self.evaluator.value(host_expr, instance.scope)
        scheme = CONNECTION_TYPES[instance.type]
        port_expr = argument(instance.call, 1, "port")
        port = self.evaluator.value(port_expr, instance.scope) if port_expr is not None else None
        if port is not None and port.render() != DEFAULT_PORTS[scheme]:
            host = host.concat(StrValue.literal(":")).concat(port)
        base = StrValue.literal(scheme + "://").concat(host)
        base = base.with_origin(Origin("client", "host"), override=False)
        method_expr = argument(call, 0, "method")
        method = self.evaluator.value(method_expr, scope) if method_expr else StrValue.unknown("method")
        return self._calls(file, call, scope, method, argument(call, 1, "url"), [base])

    def _calls(self, file: str, call: ast.Call, scope: Scope, method: StrValue, url_expr: ast.expr | None,
               bases: list[StrValue] | None = None) -> list[HttpCall]:
        if url_expr is None:
            return []
        found: list[HttpCall] = []
        for url in self.evaluator.values(url_expr, scope):
            for base in bases or [StrValue(())]:
                full = join_base(base, url)
                origin = full.parts[0].origin if full.parts else None
                if not full.has_known_text and (origin is None or origin.kind not in ("env", "tool")):
                    continue
                method_text = method.render().upper() if method.is_known else method.render()
                found.append(HttpCall(file, call.lineno, method_text, parse_url(full), call, scope))
        return found
