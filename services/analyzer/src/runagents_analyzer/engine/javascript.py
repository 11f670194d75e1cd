"""TypeScript/JavaScript at text level (a real parser comes later): fetch/axios calls, OpenAI and
Anthropic SDK calls, LangChain.js and Vercel AI SDK models, imports."""

import re
from dataclasses import dataclass, field

from .js_text import (
    JsEvaluator,
    LineIndex,
    blank_comments,
    matching_close,
    object_property,
    skip_literal,
    split_top_level,
)
from .llm_catalog import EMBEDDING
from .llm_usage import LlmFinding
from .report import LlmRole
from .sources import TextFile
from .tier import JsImport
from .urls import Url, llm_endpoint, parse_url
from .values import Origin, StrValue

CONSTANT = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[\w<>\[\]| ]+)?=\s*")
IMPORT_FROM = re.compile(r"""\bimport\s+(?:type\s+)?(?P<names>[^;'"`]*?)\s*from\s*["'](?P<module>[^"']+)["']""")
BARE_IMPORT = re.compile(r"""(?:\bimport\s*\(?|\brequire\s*\()\s*["'](?P<module>[^"']+)["']""")
FETCH = re.compile(r"(?<![\w$.])(?:window\.|globalThis\.)?fetch\s*\(")
AXIOS = re.compile(
    r"(?<![\w$.])(?P<client>[A-Za-z_$][\w$]*)\.(?P<method>get|post|put|patch|delete|head|options|request)\s*\("
)
AXIOS_CREATE = re.compile(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*axios\.create\s*\(")
SDK_CALL = re.compile(
    r"\.(?P<path>chat\.completions\.(?:create|parse|stream)|beta\.chat\.completions\.parse|responses\.create|"
    r"embeddings\.create|moderations\.create|messages\.(?:create|stream))\s*\("
)
MODEL_CLASSES: dict[str, tuple[str, LlmRole, tuple[str, ...]]] = {
    "ChatOpenAI": ("openai", "chat", ("model", "modelName")),
    "AzureChatOpenAI": ("azure-openai", "chat", ("azureOpenAIApiDeploymentName", "model", "modelName")),
    "OpenAIEmbeddings": ("openai", "embedding", ("model", "modelName")),
    "ChatAnthropic": ("anthropic", "chat", ("model", "modelName")),
    "ChatGoogleGenerativeAI": ("google", "chat", ("model", "modelName")),
    "ChatVertexAI": ("google", "chat", ("model", "modelName")),
    "ChatOllama": ("ollama", "chat", ("model",)),
    "ChatMistralAI": ("mistral", "chat", ("model", "modelName")),
    "ChatBedrockConverse": ("bedrock", "chat", ("model",)),
    "ChatGroq": ("groq", "chat", ("model",)),
}
NEW_CLASS = re.compile(r"\bnew\s+(?P<name>" + "|".join(MODEL_CLASSES) + r")\s*\(")
AI_SDK_PROVIDERS = {
    "@ai-sdk/openai": "openai", "@ai-sdk/anthropic": "anthropic", "@ai-sdk/google": "google",
    "@ai-sdk/google-vertex": "google", "@ai-sdk/mistral": "mistral", "@ai-sdk/cohere": "cohere",
    "@ai-sdk/amazon-bedrock": "bedrock", "@ai-sdk/azure": "azure-openai", "@ai-sdk/groq": "groq",
    "ollama-ai-provider": "ollama", "ollama-ai-provider-v2": "ollama",
}
AI_SDK_EMBEDDING_METHODS = ("embedding", "textEmbeddingModel", "textEmbedding")
JSON_STRINGIFY = re.compile(r"^JSON\.stringify\((.*)\)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class JsHttpCall:
    file: str
    line: int
    method: str
    url: Url


@dataclass(slots=True)
class JsAnalysis:
    http_calls: list[JsHttpCall] = field(default_factory=list)
    llm_usage: list[LlmFinding] = field(default_factory=list)
    imports: list[JsImport] = field(default_factory=list)
    hosts: list[tuple[Url, str, int]] = field(default_factory=list)


class _FileAnalyzer:
    def __init__(self, text_file: TextFile, result: JsAnalysis) -> None:
        self.file = text_file
        self.code = blank_comments(text_file.text)
        self.lines = LineIndex(self.code)
        self.result = result
        self.evaluator = JsEvaluator(self._constants())

    def _constants(self) -> dict[str, str]:
        constants: dict[str, str] = {}
        for match in CONSTANT.finditer(self.code):
            end = self._expression_end(match.end())
            constants.setdefault(match.group(1), self.code[match.end() : end])
        return constants

    def _expression_end(self, start: int) -> int:
        index = start
        while index < len(self.code) and self.code[index] not in ";\n":
            if self.code[index] in "\"'`":
                index = skip_literal(self.code, index)
                continue
            if self.code[index] in "([{":
                index = matching_close(self.code, index) + 1
                continue
            index += 1
        return index

    def _arguments(self, open_paren: int) -> list[str]:
        close = matching_close(self.code, open_paren)
        return [a for a in split_top_level(self.code[open_paren + 1 : close], ",") if a]

    def run(self) -> None:
        self._imports()
        bases = {m.group(1): self._axios_base(m.end() - 1) for m in AXIOS_CREATE.finditer(self.code)}
        for match in FETCH.finditer(self.code):
            arguments = self._arguments(match.end() - 1)
            if arguments:
                options = arguments[1] if len(arguments) > 1 else ""
                method_text = object_property(options, ("method",)) if options else None
                method = self.evaluator.value(method_text).render().upper() if method_text else "GET"
                self._http(match.start(), method, self.evaluator.value(arguments[0]), options)
        for match in AXIOS.finditer(self.code):
            client = match.group("client")
            if client != "axios" and client not in bases:
                continue
            arguments = self._arguments(match.end() - 1)
            if not arguments:
                continue
            method = match.group("method")
            url_text = arguments[0]
            if method == "request":
                url_text = object_property(arguments[0], ("url",)) or ""
                method_text = object_property(arguments[0], ("method",))
                method = self.evaluator.value(method_text).render() if method_text else "get"
            url = self.evaluator.value(url_text)
            base = bases.get(client)
            if base is not None and "://" not in url.known_prefix():
                url = base.concat(url)
            body = arguments[1] if len(arguments) > 1 else ""
            self._http(match.start(), method.upper(), url, body)
        self._sdk_calls()
        self._model_classes()
        self._ai_sdk_models()

    def _axios_base(self, open_paren: int) -> StrValue:
        arguments = self._arguments(open_paren)
        base_text = object_property(arguments[0], ("baseURL",)) if arguments else None
        if base_text is None:
            return StrValue(())
        return self.evaluator.value(base_text).with_origin(Origin("client", "baseURL"), override=False)

    def _http(self, offset: int, method: str, url_value: StrValue, options: str) -> None:
        origin = url_value.parts[0].origin if url_value.parts else None
        if not url_value.has_known_text and (origin is None or origin.kind != "env"):
            return
        url = parse_url(url_value)
        line = self.lines.line_of(offset)
        endpoint = llm_endpoint(url)
        if endpoint is not None:
            body = object_property(options, ("body",)) or options
            stringified = JSON_STRINGIFY.match(body)
            model_text = object_property(stringified.group(1) if stringified else body, ("model",))
            self._llm(endpoint[0], model_text, endpoint[1], line)
        else:
            self.result.http_calls.append(JsHttpCall(self.file.path, line, method, url))
        self.result.hosts.append((url, self.file.path, line))

    def _llm(self, provider: str, model_text: str | None, role: LlmRole, line: int) -> None:
        model = self.evaluator.value(model_text).render() if model_text else None
        self.result.llm_usage.append(LlmFinding(provider, model, role, self.file.path, line))

    def _sdk_calls(self) -> None:
        azure = "AzureOpenAI" in self.code
        for match in SDK_CALL.finditer(self.code):
            path = match.group("path")
            arguments = self._arguments(match.end() - 1)
            model_text = object_property(arguments[0], ("model",)) if arguments else None
            provider = "anthropic" if path.startswith("messages") else ("azure-openai" if azure else "openai")
            role: LlmRole = "embedding" if path.startswith("embeddings") else (
                "classify" if path.startswith("moderations") else "chat")
            self._llm(provider, model_text, role, self.lines.line_of(match.start()))
        for match in re.finditer(r"\bnew\s+(?:OpenAI|AzureOpenAI|Anthropic)\s*\(", self.code):
            arguments = self._arguments(match.end() - 1)
            base = object_property(arguments[0], ("baseURL",)) if arguments else None
            if base is not None:
                line = self.lines.line_of(match.start())
                self.result.hosts.append((parse_url(self.evaluator.value(base)), self.file.path, line))

    def _model_classes(self) -> None:
        for match in NEW_CLASS.finditer(self.code):
            provider, role, keys = MODEL_CLASSES[match.group("name")]
            arguments = self._arguments(match.end() - 1)
            model_text = object_property(arguments[0], keys) if arguments else None
            self._llm(provider, model_text, role, self.lines.line_of(match.start()))

    def _ai_sdk_models(self) -> None:
        for record in self.result.imports:
            if record.file != self.file.path or record.module not in AI_SDK_PROVIDERS:
                continue
            provider = AI_SDK_PROVIDERS[record.module]
            for name in self._imported_names(record.module):
                pattern = re.compile(rf"(?<![\w$.]){re.escape(name)}(?:\.(?P<method>\w+))?\s*\(")
                for match in pattern.finditer(self.code):
                    arguments = self._arguments(match.end() - 1)
                    if not arguments:
                        continue
                    quoted = arguments[0][:1] in "\"'`"
                    if not quoted and arguments[0] not in self.evaluator.constants:
                        continue
                    role: LlmRole = EMBEDDING if match.group("method") in AI_SDK_EMBEDDING_METHODS else "chat"
                    self._llm(provider, arguments[0], role, self.lines.line_of(match.start()))

    def _imported_names(self, module: str) -> list[str]:
        names: list[str] = []
        for match in IMPORT_FROM.finditer(self.code):
            if match.group("module") == module:
                inner = match.group("names").strip().strip("{}")
                names += [part.split(" as ")[-1].strip() for part in inner.split(",") if part.strip()]
        return [name for name in names if re.match(r"^[A-Za-z_$][\w$]*$", name) and not name.startswith("create")]

    def _imports(self) -> None:
        seen: set[tuple[str, int]] = set()
        for pattern in (IMPORT_FROM, BARE_IMPORT):
            for match in pattern.finditer(self.code):
                line = self.lines.line_of(match.start())
                key = (match.group("module"), line)
                if key not in seen:
                    seen.add(key)
                    self.result.imports.append(JsImport(match.group("module"), self.file.path, line))


def analyze_javascript(files: list[TextFile]) -> JsAnalysis:
    result = JsAnalysis()
    for text_file in files:
        if text_file.is_javascript:
            _FileAnalyzer(text_file, result).run()
    result.imports.sort(key=lambda i: (i.file, i.line))
    return result
