"""Language-model use in TypeScript/JavaScript: provider SDKs (OpenAI, Anthropic, Google, Mistral, Cohere,
Ollama, Bedrock), the Vercel AI SDK, LangChain.js, LlamaIndex.TS and the OpenAI Agents SDK."""

from tree_sitter import Node

from .llm_usage import LlmFinding
from .report import LlmRole
from .ts_parse import line_of, text_of
from .ts_values import JsEvaluator, JsModule, call_arguments, unwrap
from .urls import llm_endpoint, parse_url

CHAT: LlmRole = "chat"
EMBEDDING: LlmRole = "embedding"
OPENAI_METHODS: dict[str, LlmRole] = {
    "chat.completions.create": CHAT, "chat.completions.parse": CHAT, "chat.completions.stream": CHAT,
    "beta.chat.completions.parse": CHAT, "beta.chat.completions.stream": CHAT, "responses.create": CHAT,
    "responses.parse": CHAT, "responses.stream": CHAT, "completions.create": CHAT, "embeddings.create": EMBEDDING,
    "moderations.create": "classify",
}
ANTHROPIC_METHODS: dict[str, LlmRole] = {
    "messages.create": CHAT, "messages.stream": CHAT, "messages.parse": CHAT, "beta.messages.create": CHAT,
    "beta.messages.stream": CHAT,
}
GOOGLE_METHODS: dict[str, LlmRole] = {
    "models.generateContent": CHAT, "models.generateContentStream": CHAT, "models.embedContent": EMBEDDING,
    "chats.create": CHAT, "getGenerativeModel": CHAT,
}
FAMILIES: dict[str, dict[str, LlmRole]] = {
    "openai": OPENAI_METHODS, "anthropic": ANTHROPIC_METHODS, "google": GOOGLE_METHODS,
    "mistral": {"chat.complete": CHAT, "chat.stream": CHAT, "fim.complete": CHAT, "embeddings.create": EMBEDDING,
                "classifiers.moderate": "classify"},
    "cohere": {"chat": CHAT, "chatStream": CHAT, "generate": CHAT, "embed": EMBEDDING, "rerank": "reranking"},
    "ollama": {"chat": CHAT, "generate": CHAT, "embed": EMBEDDING, "embeddings": EMBEDDING},
}
METHOD_NAMES = frozenset(method.rpartition(".")[2] for table in FAMILIES.values() for method in table)
# class -> (provider, method family); default exports of the SDK modules are named here too
SDK_CLASSES = {
    "OpenAI": ("openai", "openai"), "AzureOpenAI": ("azure-openai", "openai"), "Groq": ("groq", "openai"),
    "Together": ("together", "openai"), "Anthropic": ("anthropic", "anthropic"),
    "AnthropicBedrock": ("bedrock", "anthropic"), "AnthropicVertex": ("google", "anthropic"),
    "GoogleGenAI": ("google", "google"), "GoogleGenerativeAI": ("google", "google"),
    "Mistral": ("mistral", "mistral"), "MistralClient": ("mistral", "mistral"), "CohereClient": ("cohere", "cohere"),
    "CohereClientV2": ("cohere", "cohere"), "Ollama": ("ollama", "ollama"),
}
SDK_MODULES = {
    "openai": "OpenAI", "@anthropic-ai/sdk": "Anthropic", "groq-sdk": "Groq", "together-ai": "Together",
    "@anthropic-ai/bedrock-sdk": "AnthropicBedrock", "@anthropic-ai/vertex-sdk": "AnthropicVertex",
    "@google/genai": None, "@google/generative-ai": None, "@mistralai/mistralai": "MistralClient",
    "cohere-ai": None, "ollama": "Ollama", "ollama/browser": "Ollama",
}
DEFAULT_INSTANCES = {"ollama": "ollama", "ollama/browser": "ollama"}
FRAMEWORK_MODELS: dict[str, tuple[str, LlmRole]] = {
    "ChatOpenAI": ("openai", CHAT), "AzureChatOpenAI": ("azure-openai", CHAT),
    "OpenAIEmbeddings": ("openai", EMBEDDING),
    "AzureOpenAIEmbeddings": ("azure-openai", EMBEDDING), "ChatAnthropic": ("anthropic", CHAT),
    "ChatGoogleGenerativeAI": ("google", CHAT), "GoogleGenerativeAIEmbeddings": ("google", EMBEDDING),
    "ChatVertexAI": ("google", CHAT), "VertexAIEmbeddings": ("google", EMBEDDING), "ChatOllama": ("ollama", CHAT),
    "OllamaEmbeddings": ("ollama", EMBEDDING), "ChatMistralAI": ("mistral", CHAT),
    "MistralAIEmbeddings": ("mistral", EMBEDDING), "ChatBedrockConverse": ("bedrock", CHAT),
    "BedrockEmbeddings": ("bedrock", EMBEDDING), "ChatGroq": ("groq", CHAT), "ChatCohere": ("cohere", CHAT),
    "CohereEmbeddings": ("cohere", EMBEDDING), "CohereRerank": ("cohere", "reranking"),
    "ChatDeepSeek": ("deepseek", CHAT), "ChatXAI": ("xai", CHAT), "ChatTogetherAI": ("together", CHAT),
    "ChatFireworks": ("fireworks", CHAT), "OpenAIEmbedding": ("openai", EMBEDDING), "Gemini": ("google", CHAT),
    "GeminiEmbedding": ("google", EMBEDDING),
}
# OpenAI/Anthropic named like the SDK clients but imported from a framework: a chat model
FRAMEWORK_MODEL_MODULES = ("@langchain/", "langchain", "llamaindex", "@llamaindex/")
FRAMEWORK_SDK_LOOKALIKES = {"OpenAI": ("openai", CHAT), "Anthropic": ("anthropic", CHAT),
                            "Ollama": ("ollama", CHAT), "Groq": ("groq", CHAT), "MistralAI": ("mistral", CHAT)}
MODEL_EXPRESSIONS = frozenset({"string", "template_string", "identifier", "binary_expression", "member_expression"})
MODEL_KEYS = ("model", "modelName", "azureOpenAIApiDeploymentName", "modelId")
BEDROCK_COMMANDS = frozenset({"ConverseCommand", "ConverseStreamCommand", "InvokeModelCommand",
                              "InvokeModelWithResponseStreamCommand"})
AI_SDK_PROVIDERS = {
    "@ai-sdk/openai": "openai", "@ai-sdk/anthropic": "anthropic", "@ai-sdk/google": "google",
    "@ai-sdk/google-vertex": "google", "@ai-sdk/mistral": "mistral", "@ai-sdk/cohere": "cohere",
    "@ai-sdk/amazon-bedrock": "bedrock", "@ai-sdk/azure": "azure-openai", "@ai-sdk/groq": "groq",
    "@ai-sdk/deepseek": "deepseek", "@ai-sdk/xai": "xai", "@ai-sdk/togetherai": "together",
    "@ai-sdk/fireworks": "fireworks", "@ai-sdk/perplexity": "perplexity", "@openrouter/ai-sdk-provider": "openrouter",
    "ollama-ai-provider": "ollama", "ollama-ai-provider-v2": "ollama", "@ai-sdk/openai-compatible": "openai",
}
AI_SDK_MODEL_METHODS = frozenset({"chat", "languageModel", "responses", "completion", "messages"})
AI_SDK_EMBEDDING_METHODS = frozenset({"embedding", "textEmbeddingModel", "textEmbedding", "embeddingModel"})
AI_SDK_EMBED_CALLS = frozenset({"embed", "embedMany"})
AI_SDK_CALLS = frozenset({"generateText", "streamText", "generateObject", "streamObject", *AI_SDK_EMBED_CALLS})
MODEL_NAME_PROVIDERS = (("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
                        ("text-embedding", "openai"), ("claude", "anthropic"), ("gemini", "google"),
                        ("mistral", "mistral"), ("command", "cohere"))


def provider_of_model_name(model: str | None) -> str | None:
    if model is None:
        return None
    if ":" in model or "/" in model:
        prefix = model.replace(":", "/").split("/")[0]
        return "google" if prefix.startswith("google") else prefix
    return next((provider for prefix, provider in MODEL_NAME_PROVIDERS if model.startswith(prefix)), None)


class LlmDetector:
    def __init__(self, evaluator: JsEvaluator) -> None:
        self.evaluator = evaluator
        self.client_hosts: list[tuple[str, str, int]] = []
        """(base URL, file, line) of SDK clients and AI SDK providers given a base URL."""

    def _model(self, node: Node | None, module: JsModule) -> str | None:
        if node is None:
            return None
        value = self.evaluator.value(node, module)
        return value.render() if value.has_known_text else None

    def _model_property(self, options: Node | None, module: JsModule) -> str | None:
        found = self.evaluator.object_property(options, MODEL_KEYS, module) if options is not None else None
        return self._model(found[0], found[1]) if found else None

    def _origin_name(self, name: str, module: JsModule) -> tuple[str, str] | None:
        """(module, exported name) a constructor or function name was imported as."""
        imported = module.imported.get(name)
        return (imported.module, imported.name) if imported is not None else None

    def _sdk_client(self, receiver: str, use: Node, module: JsModule, depth: int = 0) -> tuple[str, str] | None:
        """(provider, method family) of an SDK client named by `receiver`."""
        imported = module.imported.get(receiver)
        if imported is not None and imported.module in DEFAULT_INSTANCES and imported.name == "default":
            return DEFAULT_INSTANCES[imported.module], "ollama"
        binding = self.evaluator.binding(receiver, use, module)
        if binding is None or depth > 4:
            return None
        value = unwrap(binding.value)
        while value.type == "call_expression" and call_arguments(value):  # wrapOpenAI(new OpenAI()), observe(...)
            value = unwrap(call_arguments(value)[0])
        if value.type == "identifier":
            return self._sdk_client(text_of(value), value, binding.module, depth + 1)
        if value.type != "new_expression":
            return None
        class_name = text_of(value.child_by_field_name("constructor"))
        origin = self._origin_name(class_name, binding.module)
        if origin is not None:
            source, exported = origin
            if source not in SDK_MODULES:
                return None
            class_name = SDK_MODULES[source] or class_name if exported == "default" else exported
        if class_name not in SDK_CLASSES:
            return None
        provider, family = SDK_CLASSES[class_name]
        arguments = call_arguments(value)
        base = self.evaluator.property_value(arguments[0], ("baseURL", "baseUrl", "host"), binding.module) \
            if arguments else None
        if base is not None and base.has_known_text:
            self.client_hosts.append((base.render(), binding.module.path, line_of(value)))
            endpoint = llm_endpoint(parse_url(base))
            if endpoint is not None and family == "openai":
                provider = endpoint[0]
        return provider, family

    def detect_call(self, call: Node, path: str, module: JsModule) -> list[LlmFinding]:
        head = path.partition(".")[0]
        last = path.rpartition(".")[2]
        if last not in METHOD_NAMES and head not in module.imported and head not in module.bindings:
            return []  # most calls: cheap rejection before any lookup
        arguments = call_arguments(call)
        found = self._ai_sdk(call, path, arguments, module)
        if found is not None:
            return found
        if path == "initChatModel" or self._origin_name(path, module) == ("langchain/chat_models/universal",
                                                                          "initChatModel"):
            model = self._model(arguments[0], module) if arguments else None
            options = arguments[1] if len(arguments) > 1 else None
            provider_value = self.evaluator.property_value(options, ("modelProvider",), module) if options else None
            provider = provider_value.render() if provider_value is not None and provider_value.is_known else None
            provider = provider or provider_of_model_name(model) or "unknown"
            if model is not None and ":" in model:
                model = model.split(":", 1)[1]
            return [self._finding(provider, model, CHAT, module, call)]
        return self._sdk_call(call, path, arguments, module)

    def _sdk_call(self, call: Node, path: str, arguments: list[Node], module: JsModule) -> list[LlmFinding]:
        if path.rpartition(".")[2] not in METHOD_NAMES:
            return []
        for split in range(path.count(".") , 0, -1):
            receiver, method = _split(path, split)
            client = self._sdk_client(receiver, call, module) if receiver else None
            if client is not None:
                role = FAMILIES[client[1]].get(method)
                if role is None:
                    continue
                model = self._model_property(arguments[0] if arguments else None, module)
                if method == "getGenerativeModel" and model and "embedding" in model:
                    role = EMBEDDING
                return [self._finding(client[0], model, role, module, call)]
        for family, provider in (("openai", "openai"), ("anthropic", "anthropic"), ("google", "google")):
            for method, role in FAMILIES[family].items():
                if path.endswith("." + method) and arguments:
                    model = self._model_property(arguments[0], module)
                    if model is not None or self.evaluator.object_property(arguments[0], ("model",), module):
                        if family == "openai" and "AzureOpenAI" in module.imported:
                            provider = "azure-openai"
                        return [self._finding(provider, model, role, module, call)]
        return []

    def detect_new(self, node: Node, module: JsModule) -> list[LlmFinding]:
        name = text_of(node.child_by_field_name("constructor"))
        origin = self._origin_name(name, module)
        source, exported = origin if origin is not None else ("", name)
        arguments = call_arguments(node)
        options = arguments[0] if arguments else None
        if exported in BEDROCK_COMMANDS and (not source or source.startswith("@aws-sdk/")):
            model = self._model_property(options, module)
            role = EMBEDDING if model and "embed" in model else CHAT
            return [self._finding("bedrock", model, role, module, node)]
        framework_model = source.startswith(FRAMEWORK_MODEL_MODULES) or source == "langchain"
        described = FRAMEWORK_MODELS.get(exported) if (framework_model or not source) else None
        if described is None and framework_model:
            described = FRAMEWORK_SDK_LOOKALIKES.get(exported)
        if described is not None:
            return [self._finding(described[0], self._model_property(options, module), described[1], module, node)]
        if exported == "Agent" and source.startswith("@openai/agents"):
            found = self.evaluator.object_property(options, ("model",), module) if options is not None else None
            if found is None or unwrap(found[0]).type in MODEL_EXPRESSIONS:
                model = self._model(found[0], found[1]) if found else None
                return [self._finding("openai", model, CHAT, module, node)]
        return []

    def _ai_sdk(self, call: Node, path: str, arguments: list[Node], module: JsModule) -> list[LlmFinding] | None:
        head, _, method = path.partition(".")
        if "." in method:
            return None
        provider = self._ai_sdk_provider(head, call, module)
        if provider is None:
            return self._ai_sdk_string_model(call, path, arguments, module)
        if method and method not in AI_SDK_MODEL_METHODS | AI_SDK_EMBEDDING_METHODS:
            return []
        model = self._model(arguments[0], module) if arguments else None
        role = EMBEDDING if method in AI_SDK_EMBEDDING_METHODS or _inside_call(call, AI_SDK_EMBED_CALLS) else CHAT
        return [self._finding(provider, model, role, module, call)]

    def _ai_sdk_provider(self, name: str, use: Node, module: JsModule) -> str | None:
        imported = module.imported.get(name)
        if imported is not None:
            if imported.module in AI_SDK_PROVIDERS and not imported.name.startswith("create"):
                return AI_SDK_PROVIDERS[imported.module]
            if not imported.module.startswith((".", "@/", "~/")):
                return None
        binding = self.evaluator.binding(name, use, module)
        if binding is None:
            return None
        value = unwrap(binding.value)
        if value.type != "call_expression":
            return None
        factory = text_of(value.child_by_field_name("function"))
        factory_origin = binding.module.imported.get(factory)
        if factory_origin is None or factory_origin.module not in AI_SDK_PROVIDERS:
            return None
        provider = AI_SDK_PROVIDERS[factory_origin.module]
        arguments = call_arguments(value)
        base = self.evaluator.property_value(arguments[0], ("baseURL",), binding.module) if arguments else None
        if base is not None and base.has_known_text:
            self.client_hosts.append((base.render(), binding.module.path, line_of(value)))
            endpoint = llm_endpoint(parse_url(base))
            provider = endpoint[0] if endpoint is not None else provider
        return provider

    def _ai_sdk_string_model(self, call: Node, path: str, arguments: list[Node],
                             module: JsModule) -> list[LlmFinding] | None:
        imported = module.imported.get(path)
        if imported is None or imported.module != "ai" or imported.name not in AI_SDK_CALLS or not arguments:
            return None
        found = self.evaluator.object_property(arguments[0], ("model",), module)
        if found is None or unwrap(found[0]).type not in ("string", "template_string"):
            return None
        model = self._model(found[0], found[1])
        if model is None or "/" not in model:
            return None
        provider, name = model.split("/", 1)
        role = EMBEDDING if imported.name in AI_SDK_EMBED_CALLS else CHAT
        return [self._finding(provider, name, role, module, found[0])]

    def _finding(self, provider: str, model: str | None, role: LlmRole, module: JsModule, node: Node) -> LlmFinding:
        return LlmFinding(provider, model, role, module.path, line_of(node))


def _split(path: str, dots_in_method: int) -> tuple[str, str]:
    parts = path.split(".")
    cut = len(parts) - dots_in_method
    return ".".join(parts[:cut]), ".".join(parts[cut:])


def _inside_call(node: Node, names: frozenset[str]) -> bool:
    """Whether the node is (within) an argument of a call to one of `names`: embed({ model: openai(...) })."""
    current = node.parent
    for _ in range(6):
        if current is None:
            return False
        if current.type == "call_expression":
            return text_of(current.child_by_field_name("function")) in names
        current = current.parent
    return False
