"""TypeScript/JavaScript analysis on the tree-sitter syntax tree: HTTP tools (fetch, axios, got, ky),
language-model use (provider SDKs, Vercel AI SDK, LangChain.js), hosts, imports, entry point, framework."""

from tree_sitter import Node

from .llm_usage import LlmFinding
from .sources import TextFile
from .ts_http import HttpDetector
from .ts_llm import LlmDetector
from .ts_parse import first_syntax_error, line_of, parse_javascript, text_of
from .ts_project import find_js_entry_point, framework_reason, imported_packages
from .ts_results import JsAnalysis, JsHttpCall
from .ts_symbols import build_module
from .ts_values import JsEvaluator, JsModule, call_arguments, dotted_name, unwrap
from .urls import llm_endpoint, looks_like_url, parse_url
from .values import StrValue

__all__ = ["JsAnalysis", "JsHttpCall", "analyze_javascript"]

# Calls that show, log, compare or parse text: a URL given to them is not contacted.
NON_CONTACT_METHODS = frozenset(
    {"log", "info", "debug", "warn", "error", "trace", "print", "write", "writeln", "alert", "confirm", "prompt",
     "startsWith", "endsWith", "includes", "indexOf", "replace", "replaceAll", "split", "match", "test", "exec",
     "push", "redirect", "open", "t", "describe", "it", "expect", "toBe", "toEqual", "toContain", "assert",
     "setHeader", "set", "append", "send", "json", "render", "parse", "stringify", "toast"}
)
NON_CONTACT_CONSTRUCTORS = frozenset({"Error", "TypeError", "RangeError", "URL", "URLSearchParams", "RegExp",
                                      "HttpException", "Response"})
NON_CONTACT_KEYS = frozenset(
    {"description", "help", "docs", "docsUrl", "homepage", "website", "scope", "scopes", "redirectUri",
     "redirect_uri", "callbackUrl", "callbackURL", "example", "examples", "placeholder", "title", "text", "message",
     "content", "prompt", "instructions", "system", "systemPrompt", "msg", "detail", "label", "href", "link",
     "image", "imageUrl", "avatar", "icon", "logo", "source", "url_pattern", "origin", "allowedOrigins", "cors"}
)
SCANNED_ARGUMENTS = frozenset({"string", "template_string", "binary_expression", "identifier", "member_expression"})
JSON_STRINGIFY = "JSON.stringify"


class _FileAnalyzer:
    def __init__(self, module: JsModule, evaluator: JsEvaluator, http: HttpDetector, llm: LlmDetector,
                 result: JsAnalysis) -> None:
        self.module = module
        self.evaluator = evaluator
        self.http = http
        self.llm = llm
        self.result = result
        # names whose value may hold a URL: only arguments mentioning one of them are evaluated
        self.url_names = {name for name, bindings in module.bindings.items()
                          if any(_may_hold_url(b.value) for b in bindings)}
        self.url_names |= {name for name, imported in module.imported.items() if imported.module.startswith(".")}

    def run(self) -> None:
        captures = self.module.parsed.captures
        for call in captures.get("call", []):
            path = dotted_name(call.child_by_field_name("function"))
            requests = self.http.detect(call, path, self.module) if path is not None else []
            for line, method, url, body in requests:
                self._http(line, method, url, body)
            if not requests:
                if path is not None:
                    self.result.llm_usage += self.llm.detect_call(call, path, self.module)
                self._scan_arguments(call, path or "")
        for node in captures.get("new", []):
            self.result.llm_usage += self.llm.detect_new(node, self.module)
            self._scan_arguments(node, "")

    def _http(self, line: int, method: str, url_value: StrValue, body: Node | None) -> None:
        origin = url_value.parts[0].origin if url_value.parts else None
        if not url_value.has_known_text and (origin is None or origin.kind != "env"):
            return
        url = parse_url(url_value)
        endpoint = llm_endpoint(url)
        path = self.module.path
        if endpoint is not None:
            self.result.llm_usage.append(LlmFinding(endpoint[0], self._body_model(body), endpoint[1], path, line))
        else:
            self.result.http_calls.append(JsHttpCall(path, line, method, url))
        self.result.hosts.append((url, path, line))

    def _body_model(self, body: Node | None) -> str | None:
        if body is None:
            return None
        target, owner = self.evaluator.resolve(body, self.module)
        if target.type == "call_expression" and dotted_name(target.child_by_field_name("function")) == JSON_STRINGIFY:
            arguments = call_arguments(target)
            if not arguments:
                return None
            target = arguments[0]
        value = self.evaluator.property_value(target, ("model",), owner)
        return value.render() if value is not None and value.has_known_text else None

    def _scan_arguments(self, node: Node, path: str) -> None:
        """Hosts in the arguments of any call that may contact them (not logging, errors, string tests)."""
        arguments_node = node.child_by_field_name("arguments")
        if arguments_node is None or arguments_node.named_child_count == 0:
            return
        arguments_text = text_of(arguments_node)
        if "://" not in arguments_text and not any(name in arguments_text for name in self.url_names):
            return
        if node.type == "new_expression":
            if text_of(node.child_by_field_name("constructor")) in NON_CONTACT_CONSTRUCTORS:
                return
        else:
            if path.split(".")[0] == "console" or path.rpartition(".")[2] in NON_CONTACT_METHODS \
                    or path.endswith(("Error", "Exception")):
                return
        for argument in call_arguments(node):
            argument = unwrap(argument)
            if argument.type == "object":
                for pair in argument.named_children:
                    key = pair.child_by_field_name("key") if pair.type == "pair" else None
                    value = pair.child_by_field_name("value") if pair.type == "pair" else None
                    if key is not None and value is not None and text_of(key).strip("\"'") not in NON_CONTACT_KEYS:
                        self._scan_value(unwrap(value), node)
            else:
                self._scan_value(argument, node)

    def _scan_value(self, node: Node, call: Node) -> None:
        if node.type not in SCANNED_ARGUMENTS:
            return
        if node.type == "string" and "://" not in text_of(node):
            return
        value = self.evaluator.value(node, self.module)
        if value.has_known_text and looks_like_url(value.render()):
            self.result.hosts.append((parse_url(value), self.module.path, line_of(call)))


def _may_hold_url(value: Node) -> bool:
    text = text_of(value)
    return "://" in text or ".env" in text or "URL" in text or "Url" in text


def analyze_javascript(files: list[TextFile]) -> JsAnalysis:
    result = JsAnalysis()
    modules: dict[str, JsModule] = {}
    for text_file in files:
        if not text_file.is_javascript:
            continue
        parsed = parse_javascript(text_file)
        error = first_syntax_error(parsed)
        if error is not None:
            result.errors.append(error)
        module, imports = build_module(parsed)
        modules[text_file.path] = module
        result.imports += imports
    evaluator = JsEvaluator(modules)
    http, llm = HttpDetector(evaluator), LlmDetector(evaluator)
    for module in modules.values():
        _FileAnalyzer(module, evaluator, http, llm, result).run()
    for base, file, line in llm.client_hosts:
        result.hosts.append((parse_url(StrValue.literal(base)), file, line))
    result.imports.sort(key=lambda i: (i.file, i.line))
    result.packages = imported_packages(result.imports, files)
    result.framework = framework_reason(result.imports, modules)
    result.entry_point = find_js_entry_point(files, modules)
    return result
