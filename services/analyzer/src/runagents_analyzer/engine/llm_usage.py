"""Language-model usage: SDK client calls, framework model objects and raw HTTP calls to LLM APIs."""

import ast
import re
from dataclasses import dataclass

from .evaluate import Evaluator
from .http_calls import HttpCall, argument, keyword
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
from .urls import llm_endpoint

GOOGLE_REST_MODEL = re.compile(r"/models/([^/:{}]+):")
LANGCHAIN_INIT_FUNCTIONS = {
    "init_chat_model": "langchain.chat_models.init_chat_model",
    "init_embeddings": "langchain.embeddings.init_embeddings",
}
CLIENTS_BY_TYPE = {client_type: client for client in SDK_CLIENTS for client_type in client.types}


@dataclass(frozen=True, slots=True)
class LlmFinding:
    provider: str
    model: str | None
    role: LlmRole
    file: str
    line: int


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
                finding = self._detect_call(module.path, call, scope)
                if finding is not None:
                    found.append(finding)
        found.extend(self._from_http(call) for call in http_calls if llm_endpoint(call.url))
        providers = {finding.provider for finding in found}
        for client, file, line, call_id in self._client_constructions:
            if call_id not in self._used_clients and client.provider not in providers:
                found.append(LlmFinding(client.provider, None, CHAT, file, line))
                providers.add(client.provider)
        return _dedupe(found)

    def _detect_call(self, file: str, call: ast.Call, scope: Scope) -> LlmFinding | None:
        qualname, instance, method_path = self.project.call_target(call, scope)
        if qualname is not None:
            if self.project.definition(qualname):
                return None
            client = CLIENTS_BY_TYPE.get(qualname)
            if client is not None:
                self._client_constructions.append((client, file, call.lineno, id(call)))
                return None
            spec = framework_model_call(qualname)
            return self._model_call(spec, file, call, scope) if spec is not None else None
        if instance is not None:
            return self._client_method(file, call, scope, instance, method_path)
        return None

    def _client_method(self, file: str, call: ast.Call, scope: Scope, instance: Instance,
                       method_path: str) -> LlmFinding | None:
        client = CLIENTS_BY_TYPE.get(instance.type)
        if client is not None and method_path in client.methods:
            if instance.call is not None:
                self._used_clients.add(id(instance.call))
            model_expr = next((keyword(call, name) for name in client.model_keywords if keyword(call, name)), None)
            model = self._model_text(model_expr, scope)
            return LlmFinding(client.provider, model, client.methods[method_path], file, call.lineno)
        if instance.type in BOTO3_CLIENT_TYPES and method_path in BEDROCK_METHODS:
            service = argument(instance.call, 0, "service_name") if instance.call is not None else None
            if service is None or instance.scope is None:
                return None
            if self.evaluator.value(service, instance.scope).render() != "bedrock-runtime":
                return None
            model = self._model_text(keyword(call, "modelId"), scope)
            role = role_of_model_name(model or "", BEDROCK_METHODS[method_path])
            return LlmFinding("bedrock", model, role, file, call.lineno)
        return None

    def _model_call(self, spec: ModelCall, file: str, call: ast.Call, scope: Scope) -> LlmFinding | None:
        model_expr = next((keyword(call, name) for name in spec.model_keywords if keyword(call, name)), None)
        if model_expr is None and spec.model_position is not None and len(call.args) > spec.model_position:
            model_expr = call.args[spec.model_position]
        if model_expr is None and spec.requires_model:
            return None
        if model_expr is not None and self._is_model_object(model_expr, scope):
            return None  # the object passed in (ChatOpenAI(...), LitellmModel(...)) is reported where it is made
        model = self._model_text(model_expr, scope)
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
        return LlmFinding(provider, model, role, call.file, call.line)


def _dedupe(findings: list[LlmFinding]) -> list[LlmFinding]:
    unique: dict[tuple[object, ...], LlmFinding] = {}
    for finding in sorted(findings, key=lambda f: (f.file, f.line)):
        key: tuple[object, ...] = (
            (finding.provider, finding.role) if finding.model is None
            else (finding.provider, finding.model, finding.role, finding.file, finding.line)
        )
        unique.setdefault(key, finding)
    return list(unique.values())
