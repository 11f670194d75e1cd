"""Language-model usage: SDK client calls, framework model objects and raw HTTP calls to LLM APIs."""

import ast
from dataclasses import dataclass, replace

from .evaluate import Evaluator
from .http_calls import HttpCall, argument, keyword
from .linear_regex import compile_linear
from .llm_catalog import (
    BEDROCK_METHODS,
    BOTO3_CLIENT_TYPES,
    CHAT,
    FRAMEWORK_PACKAGE_PROVIDERS,
    LANGCHAIN_CLASSES,
    LLAMA_INDEX_KINDS,
    MODEL_CALLS,
    MODEL_PREFIX_PROVIDERS,
    SDK_CLIENTS,
    ModelCall,
    SdkClient,
    provider_of_model_name,
    role_of_model_name,
    split_model,
)
from .project import Instance, Project
from .report import LlmRole
from .scopes import Scope
from .urls import llm_endpoint, parse_url

GOOGLE_REST_MODEL = compile_linear(r"/models/([^/:{}]+):")
LANGCHAIN_INIT_FUNCTIONS = {
    "init_chat_model": "langchain.chat_models.init_chat_model",
    "init_embeddings": "langchain.embeddings.init_embeddings",
}
AUTOGEN_AGENTS = frozenset(
    {f"{module}.{name}" for module in ("autogen", "autogen.agentchat", "ag2")
     for name in ("AssistantAgent", "ConversableAgent", "GPTAssistantAgent")}
)
AUTOGEN_MODEL = ModelCall(None, CHAT)
CLIENTS_BY_TYPE = {client_type: client for client in SDK_CLIENTS for client_type in client.types}


@dataclass(frozen=True, slots=True)
class LlmFinding:
    provider: str
    model: str | None
    role: LlmRole
    file: str
    line: int
    via: str = ""
    """How the call is made, for its routing (see llm_routing.routing)."""


def framework_model_call(qualname: str) -> ModelCall | None:
    """Specs for wrapper classes that live in many modules (LangChain, LlamaIndex, Agno)."""
    if qualname in MODEL_CALLS:
        return MODEL_CALLS[qualname]
    parts = qualname.split(".")
    if parts[0].startswith("langchain"):
        if parts[-1] in LANGCHAIN_INIT_FUNCTIONS:
            return MODEL_CALLS[LANGCHAIN_INIT_FUNCTIONS[parts[-1]]]
        return LANGCHAIN_CLASSES.get(parts[-1])
    if parts[0] == "llama_index" and len(parts) >= 4 and parts[1] in LLAMA_INDEX_KINDS:
        provider = FRAMEWORK_PACKAGE_PROVIDERS.get(parts[2])
        if provider is not None:
            return ModelCall(provider, LLAMA_INDEX_KINDS[parts[1]], ("model", "model_name"), None)
    if parts[0] == "agno" and len(parts) >= 4 and parts[1] == "models":
        provider = FRAMEWORK_PACKAGE_PROVIDERS.get(parts[2])
        if provider is not None:
            return ModelCall(provider, CHAT, ("id",), None)
    if parts[0] == "crewai" and parts[-1] in ("LLM", "Agent"):
        return MODEL_CALLS.get(f"crewai.{parts[-1]}")
    return None


class LlmUsageDetector:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.project = project
        self.evaluator = evaluator
        self._client_constructions: list[tuple[SdkClient, str, int, int]] = []
        self._used_clients: set[int] = set()

    def detect(self, http_calls: list[HttpCall]) -> list[LlmFinding]:
        found: list[LlmFinding] = []
        for module in self.project.modules:
            for call, scope in module.calls:
                found.extend(self._detect_call(module.path, call, scope))
        found.extend(self._from_http(call) for call in http_calls if llm_endpoint(call.url))
        providers = {finding.provider for finding in found}
        for client, file, line, call_id in self._client_constructions:
            if call_id not in self._used_clients and client.provider not in providers:
                found.append(LlmFinding(client.provider, None, CHAT, file, line, f"sdk:{sorted(client.types)[0]}"))
                providers.add(client.provider)
        return _dedupe(found)

    def _detect_call(self, file: str, call: ast.Call, scope: Scope) -> list[LlmFinding]:
        qualname, instance, method_path = self.project.call_target(call, scope)
        if qualname is not None:
            if self.project.definition(qualname):
                return []
            client = CLIENTS_BY_TYPE.get(qualname)
            if client is not None:
                self._client_constructions.append((client, file, call.lineno, id(call)))
                return []
            if qualname in AUTOGEN_AGENTS:
                return self._autogen_agent(file, call, scope)
            spec = framework_model_call(qualname)
            if spec is None:
                return []
            return [replace(finding, via=f"call:{qualname}") for finding in self._model_call(spec, file, call, scope)]
        if instance is not None:
            return self._client_method(file, call, scope, instance, method_path)
        return []

    def _client_method(self, file: str, call: ast.Call, scope: Scope, instance: Instance,
                       method_path: str) -> list[LlmFinding]:
        client = CLIENTS_BY_TYPE.get(instance.type)
        if client is not None and method_path in client.methods:
            if instance.call is not None:
                self._used_clients.add(id(instance.call))
            compatible = self._compatible_provider(instance)
            provider = compatible or client.provider
            via = f"base_url:{instance.type}" if compatible or self._own_base_url(instance) else f"sdk:{instance.type}"
            model_expr = next((keyword(call, name) for name in client.model_keywords if keyword(call, name)), None)
            if model_expr is None:
                model_expr, scope = self._splatted_keyword(call, client.model_keywords, scope)
            if model_expr is None and instance.call is not None and instance.scope is not None:
                # InferenceClient(model=...), Client(model=...): the model is fixed when the client is made
                model_expr, scope = keyword(instance.call, "model"), instance.scope
            return [LlmFinding(provider, model, client.methods[method_path], file, call.lineno, via)
                    for model in self._model_texts(model_expr, scope)]
        if instance.type in BOTO3_CLIENT_TYPES and method_path in BEDROCK_METHODS:
            service = argument(instance.call, 0, "service_name") if instance.call is not None else None
            if service is None or instance.scope is None:
                return []
            if self.evaluator.value(service, instance.scope).render() != "bedrock-runtime":
                return []
            return [LlmFinding("bedrock", model, role_of_model_name(model or "", BEDROCK_METHODS[method_path]),
                               file, call.lineno, f"sdk:{instance.type}")
                    for model in self._model_texts(keyword(call, "modelId"), scope)]
        return []

    def _autogen_agent(self, file: str, call: ast.Call, scope: Scope) -> list[LlmFinding]:
        """AutoGen 0.2 / AG2: llm_config={"config_list": [{"model": ...}, ...]} or {"model": ...}."""
        config = keyword(call, "llm_config")
        if config is None:
            return []
        container, container_scope = self.project.resolve_node(config, scope)
        if not isinstance(container, ast.Dict):
            return []
        entries: list[tuple[ast.expr, Scope]] = [(container, container_scope)]
        config_list = _dict_value(container, "config_list")
        if config_list is not None:
            found, found_scope = self.project.resolve_node(config_list, container_scope)
            if isinstance(found, ast.List | ast.Tuple):
                entries = [self.project.resolve_node(item, found_scope) for item in found.elts]
        findings: list[LlmFinding] = []
        for entry, entry_scope in entries:
            model = _dict_value(entry, "model") if isinstance(entry, ast.Dict) else None
            if model is not None:
                findings += [self._model_finding(AUTOGEN_MODEL, text, file, call, entry_scope)
                             for text in self._model_texts(model, entry_scope)]
        return findings

    def _compatible_provider(self, instance: Instance) -> str | None:
        """OpenAI(base_url="https://api.deepseek.com"): the service the OpenAI-compatible client talks to."""
        if instance.call is None or instance.scope is None:
            return None
        base = keyword(instance.call, "base_url")
        if base is None:
            return None
        endpoint = llm_endpoint(parse_url(self.evaluator.value(base, instance.scope)))
        return endpoint[0] if endpoint is not None and endpoint[0] not in ("openai", "anthropic") else None

    def _own_base_url(self, instance: Instance) -> bool:
        """The code gives the client a base_url that is not read from the environment."""
        if instance.call is None or instance.scope is None:
            return False
        base = keyword(instance.call, "base_url")
        if base is None:
            return False
        url = parse_url(self.evaluator.value(base, instance.scope))
        origin = url.value.parts[0].origin if url.value.parts else None
        return origin is None or origin.kind != "env"

    def _splatted_keyword(self, call: ast.Call, names: tuple[str, ...],
                          scope: Scope) -> tuple[ast.expr | None, Scope]:
        """create(**params) with params = {"model": ..., **DEFAULTS}: the model inside the dict."""
        pending = [(k.value, scope) for k in call.keywords if k.arg is None]
        for _ in range(8):
            if not pending:
                break
            expr, expr_scope = pending.pop(0)
            container, container_scope = self.project.resolve_node(expr, expr_scope)
            if not isinstance(container, ast.Dict):
                continue
            for key, value in zip(container.keys, container.values, strict=True):
                if key is None:
                    pending.append((value, container_scope))
                elif isinstance(key, ast.Constant) and key.value in names:
                    return value, container_scope
        return None, scope

    def _model_call(self, spec: ModelCall, file: str, call: ast.Call, scope: Scope) -> list[LlmFinding]:
        model_expr = next((keyword(call, name) for name in spec.model_keywords if keyword(call, name)), None)
        if model_expr is None and spec.model_position is not None and len(call.args) > spec.model_position:
            model_expr = call.args[spec.model_position]
        if model_expr is None:
            model_expr, scope = self._splatted_keyword(call, spec.model_keywords, scope)
        if model_expr is None and spec.requires_model:
            return []
        if model_expr is not None and self._is_model_object(model_expr, scope):
            return []  # the object passed in (ChatOpenAI(...), LitellmModel(...)) is reported where it is made
        return [self._model_finding(spec, model, file, call, scope) for model in self._model_texts(model_expr, scope)]

    def _model_finding(self, spec: ModelCall, model: str | None, file: str, call: ast.Call,
                       scope: Scope) -> LlmFinding:
        provider = spec.provider
        named_provider = keyword(call, spec.provider_keyword) if spec.provider_keyword else None
        if provider is None and named_provider is not None:
            named = self._model_text(named_provider, scope) or ""
            provider = MODEL_PREFIX_PROVIDERS.get(named.lower(), named or None)
        if provider is None:
            prefixed, model_name = split_model(model) if model else (None, model)
            provider = prefixed or provider_of_model_name(model_name or "") or spec.fallback_provider
            model = model_name
        elif model is not None:
            prefixed, model_name = split_model(model)
            if prefixed == provider:
                model = model_name
        role = role_of_model_name(model or "", spec.role) if provider == "bedrock" else spec.role
        return LlmFinding(provider, model, role, file, call.lineno)

    def _is_model_object(self, expr: ast.expr, scope: Scope) -> bool:
        if isinstance(expr, ast.Constant | ast.JoinedStr | ast.BinOp):
            return False
        instance = self.project.instance(expr, scope)
        return instance is not None and not instance.type.startswith(("builtins.", "os."))

    def _model_text(self, expr: ast.expr | None, scope: Scope) -> str | None:
        if expr is None:
            return None
        text = self.evaluator.value(expr, scope).render().strip()
        return text or None

    def _model_texts(self, expr: ast.expr | None, scope: Scope) -> list[str | None]:
        """Every model a call can use: a wrapper's default and what its callers pass."""
        if expr is None:
            return [None]
        values = self.evaluator.values(expr, scope)
        known = [value for value in values if value.is_known]
        texts = [value.render().strip() or None for value in (known or values[:1])]
        return list(dict.fromkeys(texts))

    def _from_http(self, call: HttpCall) -> LlmFinding:
        endpoint = llm_endpoint(call.url)
        assert endpoint is not None
        provider, role = endpoint
        model: str | None = None
        body = call.body
        if body is not None:
            container, container_scope = self.project.resolve_node(body, call.scope)
            if isinstance(container, ast.Dict):
                for key, value in zip(container.keys, container.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in ("model", "modelId"):
                        model = self._model_text(value, container_scope)
        if model is None:
            match = GOOGLE_REST_MODEL.search(call.url.path)
            model = match.group(1) if match else None
        origin = call.url.value.parts[0].origin if call.url.value.parts else None
        via = "http-env" if origin is not None and origin.kind == "env" else f"http:{call.url.host or ''}"
        return LlmFinding(provider, model, role, call.file, call.line, via)


def _dict_value(container: ast.Dict, name: str) -> ast.expr | None:
    for key, value in zip(container.keys, container.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == name:
            return value
    return None


def _dedupe(findings: list[LlmFinding]) -> list[LlmFinding]:
    unique: dict[tuple[object, ...], LlmFinding] = {}
    for finding in sorted(findings, key=lambda f: (f.file, f.line)):
        key: tuple[object, ...] = (
            (finding.provider, finding.role) if finding.model is None
            else (finding.provider, finding.model, finding.role, finding.file, finding.line)
        )
        unique.setdefault(key, finding)
    return list(unique.values())
