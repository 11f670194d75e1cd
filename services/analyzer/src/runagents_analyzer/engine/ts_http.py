"""HTTP calls in TypeScript/JavaScript: fetch, axios (and its instances), got, ky, superagent, undici."""

from tree_sitter import Node

from .http_calls import join_base
from .ts_parse import line_of, text_of
from .ts_values import JsEvaluator, JsModule, call_arguments, dotted_name, unwrap
from .values import Origin, StrValue

FETCH_NAMES = frozenset({"fetch", "window.fetch", "globalThis.fetch", "self.fetch", "global.fetch"})
LIBRARY_KINDS = {
    "axios": "axios", "got": "got", "ky": "ky", "ky-universal": "ky", "superagent": "superagent",
    "node-fetch": "fetch", "cross-fetch": "fetch", "isomorphic-fetch": "fetch", "isomorphic-unfetch": "fetch",
    "undici": "fetch", "@vercel/fetch": "fetch",
}
VERBS = frozenset({"get", "post", "put", "patch", "delete", "del", "head", "options"})
BODY_VERBS = frozenset({"post", "put", "patch"})
INSTANCE_FACTORIES = {"axios": ("create",), "got": ("extend",), "ky": ("create", "extend")}
BASE_KEYS = {"axios": ("baseURL",), "got": ("prefixUrl",), "ky": ("prefixUrl", "prefix")}
Request = tuple[int, str, StrValue, "Node | None"]
"""(line, method, URL, body expression) of one HTTP request."""
HttpClient = tuple[str, StrValue | None]
"""(library kind, base URL of an instance)."""


class HttpDetector:
    def __init__(self, evaluator: JsEvaluator) -> None:
        self.evaluator = evaluator

    def client(self, name: str, use: Node, module: JsModule, depth: int = 0) -> HttpClient | None:
        if depth > 6:
            return None
        imported = module.imported.get(name)
        if imported is not None and imported.module in LIBRARY_KINDS:
            kind = LIBRARY_KINDS[imported.module]
            if imported.module == "undici" and imported.name not in ("fetch", "request"):
                return None
            return kind, None
        binding = self.evaluator.binding(name, use, module)
        if binding is None:
            return ("axios", None) if name == "axios" else None
        value = unwrap(binding.value)
        if value.type != "call_expression":
            return None
        callee = dotted_name(value.child_by_field_name("function"))
        if callee is None or "." not in callee:
            return None
        factory_of, _, factory = callee.rpartition(".")
        parent = self.client(factory_of, value, binding.module, depth + 1)
        if parent is None or factory not in INSTANCE_FACTORIES.get(parent[0], ()):
            return None
        arguments = call_arguments(value)
        base = self.evaluator.property_value(arguments[0], BASE_KEYS[parent[0]], binding.module) \
            if arguments else None
        if base is not None:
            base = base.with_origin(Origin("client", "baseURL"), override=False)
            base = join_base(parent[1], base) if parent[1] is not None else base
        return parent[0], base if base is not None else parent[1]

    def detect(self, call: Node, path: str, module: JsModule) -> list[Request]:
        """(line, method, URL, body expression) for each HTTP request the call makes."""
        receiver, _, method = path.rpartition(".")
        if path not in FETCH_NAMES and (method not in VERBS and method != "request" if receiver else
                                        path not in module.imported and path not in module.bindings):
            return []  # most calls: cheap rejection before any lookup
        arguments = call_arguments(call)
        if path in FETCH_NAMES and not module.bindings.get(path):
            return self._fetch(call, arguments, module)
        if not receiver:
            client = self.client(path, call, module)
            if client is None:
                return []
            if client[0] == "fetch":
                return self._fetch(call, arguments, module)
            if client[0] == "axios":
                return self._axios_config(call, arguments, module, client[1])
            if client[0] in ("got", "ky"):
                return self._options_call(call, arguments, module, client)
            return []
        if method not in VERBS and method != "request":
            return []
        client = self.client(receiver, call, module)
        if client is None or client[0] == "fetch":
            return []
        if method == "request":
            return self._axios_config(call, arguments, module, client[1]) if client[0] == "axios" else []
        if not arguments:
            return []
        url = self._url(arguments[0], module, client[1])
        verb = "DELETE" if method == "del" else method.upper()
        body = None
        if client[0] == "axios" and method in BODY_VERBS:
            body = arguments[1] if len(arguments) > 1 else None
        elif len(arguments) > 1:
            found = self.evaluator.object_property(arguments[1], ("json", "body"), module)
            body = found[0] if found else None
        return [(line_of(call), verb, url, body)]

    def _url(self, node: Node, module: JsModule, base: StrValue | None) -> StrValue:
        url = self.evaluator.value(node, module)
        return join_base(base, url) if base is not None else url

    def _method(self, options: Node | None, module: JsModule, default: str) -> str:
        found = self.evaluator.property_value(options, ("method",), module) if options is not None else None
        if found is None:
            return default
        return found.render().upper() if found.is_known else found.render()

    def _fetch(self, call: Node, arguments: list[Node], module: JsModule) -> list[Request]:
        if not arguments:
            return []
        target = unwrap(arguments[0])
        options = arguments[1] if len(arguments) > 1 else None
        if target.type == "new_expression" and text_of(target.child_by_field_name("constructor")) == "Request":
            inner = target.child_by_field_name("arguments")
            request_arguments = [a for a in inner.named_children] if inner is not None else []
            if not request_arguments:
                return []
            target = request_arguments[0]
            options = options or (request_arguments[1] if len(request_arguments) > 1 else None)
        body = self.evaluator.object_property(options, ("body",), module) if options is not None else None
        return [(line_of(call), self._method(options, module, "GET"), self.evaluator.value(target, module),
                 body[0] if body else None)]

    def _axios_config(self, call: Node, arguments: list[Node], module: JsModule,
                      base: StrValue | None) -> list[Request]:
        """axios(config), axios(url, config), instance.request(config)."""
        if not arguments:
            return []
        first = unwrap(arguments[0])
        config = arguments[1] if len(arguments) > 1 else None
        url_node: Node | None = arguments[0]
        if first.type == "object" or (first.type == "identifier" and config is None):
            config = arguments[0]
            found = self.evaluator.object_property(config, ("url",), module)
            url_node = found[0] if found else None
            own_base = self.evaluator.property_value(config, ("baseURL",), module)
            base = own_base if own_base is not None else base
        if url_node is None:
            return []
        body = self.evaluator.object_property(config, ("data",), module) if config is not None else None
        return [(line_of(call), self._method(config, module, "GET"), self._url(url_node, module, base),
                 body[0] if body else None)]

    def _options_call(self, call: Node, arguments: list[Node], module: JsModule,
                      client: HttpClient) -> list[Request]:
        """got(url, {method}) and ky(url, {method})."""
        if not arguments:
            return []
        options = arguments[1] if len(arguments) > 1 else None
        body = self.evaluator.object_property(options, ("json", "body"), module) if options is not None else None
        return [(line_of(call), self._method(options, module, "GET"), self._url(arguments[0], module, client[1]),
                 body[0] if body else None)]
