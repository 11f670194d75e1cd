"""What each supported LLM SDK and framework looks like in code: clients, methods, constructors."""

from collections.abc import Mapping
from dataclasses import dataclass

from .report import LlmRole

CHAT: LlmRole = "chat"
EMBEDDING: LlmRole = "embedding"
CLASSIFY: LlmRole = "classify"
RERANKING: LlmRole = "reranking"


@dataclass(frozen=True, slots=True)
class SdkClient:
    """A client object whose method calls are the LLM usage (reported at the call)."""

    provider: str
    types: frozenset[str]
    methods: Mapping[str, LlmRole]
    model_keywords: tuple[str, ...] = ("model",)


@dataclass(frozen=True, slots=True)
class ModelCall:
    """A function or constructor whose call is itself the usage: litellm.completion, ChatOpenAI(...)."""

    provider: str | None
    """None: taken from the model string ("anthropic/claude-3" or "openai:gpt-4o")."""
    role: LlmRole
    model_keywords: tuple[str, ...] = ("model",)
    model_position: int | None = 0
    fallback_provider: str = "openai"
    requires_model: bool = False
    provider_keyword: str | None = None
    """Keyword that names the provider explicitly: init_chat_model(..., model_provider="anthropic")."""


OPENAI_METHODS: Mapping[str, LlmRole] = {
    "chat.completions.create": CHAT, "chat.completions.parse": CHAT, "chat.completions.stream": CHAT,
    "beta.chat.completions.parse": CHAT, "beta.chat.completions.stream": CHAT, "completions.create": CHAT,
    "responses.create": CHAT, "responses.parse": CHAT, "responses.stream": CHAT,
    "embeddings.create": EMBEDDING, "moderations.create": CLASSIFY,
    "beta.assistants.create": CHAT, "beta.assistants.update": CHAT,
}
ANTHROPIC_METHODS: Mapping[str, LlmRole] = {
    "messages.create": CHAT, "messages.stream": CHAT, "messages.parse": CHAT, "beta.messages.create": CHAT,
    "beta.messages.stream": CHAT, "completions.create": CHAT,
}

SDK_CLIENTS: tuple[SdkClient, ...] = (
    SdkClient("openai", frozenset({"openai.OpenAI", "openai.AsyncOpenAI", "openai.Client", "openai.AsyncClient"}),
              OPENAI_METHODS),
    SdkClient("azure-openai", frozenset({"openai.AzureOpenAI", "openai.AsyncAzureOpenAI"}), OPENAI_METHODS),
    SdkClient("anthropic", frozenset({"anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.Client"}),
              ANTHROPIC_METHODS),
    # Claude served by the clouds: the provider the platform has to wire is the cloud, not Anthropic
    SdkClient("bedrock", frozenset({"anthropic.AnthropicBedrock", "anthropic.AsyncAnthropicBedrock"}),
              ANTHROPIC_METHODS),
    SdkClient("google", frozenset({"anthropic.AnthropicVertex", "anthropic.AsyncAnthropicVertex"}),
              ANTHROPIC_METHODS),
    SdkClient("mistral", frozenset({"mistralai.Mistral", "mistralai.client.MistralClient"}),
              {"chat.complete": CHAT, "chat.stream": CHAT, "chat.complete_async": CHAT, "chat.stream_async": CHAT,
               "chat": CHAT, "fim.complete": CHAT, "embeddings.create": EMBEDDING, "embeddings": EMBEDDING,
               "classifiers.moderate": CLASSIFY, "classifiers.classify": CLASSIFY,
               "agents.complete": CHAT}),
    SdkClient("cohere", frozenset({"cohere.Client", "cohere.ClientV2", "cohere.AsyncClient", "cohere.AsyncClientV2"}),
              {"chat": CHAT, "chat_stream": CHAT, "generate": CHAT, "embed": EMBEDDING, "rerank": RERANKING,
               "classify": CLASSIFY}),
    SdkClient("ollama", frozenset({"ollama.Client", "ollama.AsyncClient"}),
              {"chat": CHAT, "generate": CHAT, "embed": EMBEDDING, "embeddings": EMBEDDING}),
    SdkClient("google", frozenset({"google.genai.Client", "google.genai.client.Client"}),
              {"models.generate_content": CHAT, "models.generate_content_stream": CHAT,
               "aio.models.generate_content": CHAT, "aio.models.generate_content_stream": CHAT,
               "chats.create": CHAT, "aio.chats.create": CHAT, "models.embed_content": EMBEDDING,
               "aio.models.embed_content": EMBEDDING}),
    SdkClient("groq", frozenset({"groq.Groq", "groq.AsyncGroq"}), OPENAI_METHODS),
    SdkClient("huggingface", frozenset({"huggingface_hub.InferenceClient", "huggingface_hub.AsyncInferenceClient"}),
              {"chat_completion": CHAT, "chat.completions.create": CHAT, "text_generation": CHAT,
               "feature_extraction": EMBEDDING, "sentence_similarity": EMBEDDING}),
    SdkClient("together", frozenset({"together.Together", "together.AsyncTogether"}), OPENAI_METHODS),
)

BOTO3_CLIENT_TYPES = frozenset({"boto3.client", "boto3.Session.client", "boto3.session.Session.client"})
BEDROCK_METHODS: Mapping[str, LlmRole] = {
    "invoke_model": CHAT, "invoke_model_with_response_stream": CHAT, "converse": CHAT, "converse_stream": CHAT,
}

_OPENAI_MODULE = ModelCall("openai", CHAT, ("model", "engine"), None)
MODEL_CALLS: Mapping[str, ModelCall] = {
    **{f"openai.{path}": ModelCall("openai", role, ("model", "engine"), None) for path, role in OPENAI_METHODS.items()},
    "openai.ChatCompletion.create": _OPENAI_MODULE, "openai.ChatCompletion.acreate": _OPENAI_MODULE,
    "openai.Completion.create": _OPENAI_MODULE,
    "openai.Embedding.create": ModelCall("openai", EMBEDDING, ("model", "engine"), None),
    "ollama.chat": ModelCall("ollama", CHAT), "ollama.generate": ModelCall("ollama", CHAT),
    "ollama.embed": ModelCall("ollama", EMBEDDING), "ollama.embeddings": ModelCall("ollama", EMBEDDING),
    "litellm.completion": ModelCall(None, CHAT, fallback_provider="litellm"),
    "litellm.acompletion": ModelCall(None, CHAT, fallback_provider="litellm"),
    "litellm.text_completion": ModelCall(None, CHAT, fallback_provider="litellm"),
    "litellm.embedding": ModelCall(None, EMBEDDING, fallback_provider="litellm"),
    "litellm.aembedding": ModelCall(None, EMBEDDING, fallback_provider="litellm"),
    "litellm.rerank": ModelCall(None, RERANKING, fallback_provider="litellm"),
    "litellm.arerank": ModelCall(None, RERANKING, fallback_provider="litellm"),
    "google.generativeai.GenerativeModel": ModelCall("google", CHAT, ("model_name", "model")),
    "google.generativeai.embed_content": ModelCall("google", EMBEDDING, ("model",), None),
    "vertexai.generative_models.GenerativeModel": ModelCall("google", CHAT, ("model_name", "model")),
    "vertexai.preview.generative_models.GenerativeModel": ModelCall("google", CHAT, ("model_name", "model")),
    "vertexai.language_models.TextEmbeddingModel.from_pretrained": ModelCall("google", EMBEDDING, ("model_name",)),
    "langchain.chat_models.init_chat_model": ModelCall(None, CHAT, provider_keyword="model_provider"),
    "langchain.embeddings.init_embeddings": ModelCall(None, EMBEDDING, provider_keyword="provider"),
    "langgraph.prebuilt.create_react_agent": ModelCall(None, CHAT, requires_model=True),
    "langgraph.prebuilt.chat_agent_executor.create_react_agent": ModelCall(None, CHAT, requires_model=True),
    "langchain.agents.create_agent": ModelCall(None, CHAT, requires_model=True),
    "google.adk.agents.Agent": ModelCall(None, CHAT, ("model",), None, fallback_provider="google"),
    "google.adk.agents.LlmAgent": ModelCall(None, CHAT, ("model",), None, fallback_provider="google"),
    "google.adk.agents.llm_agent.Agent": ModelCall(None, CHAT, ("model",), None, fallback_provider="google"),
    "google.adk.agents.llm_agent.LlmAgent": ModelCall(None, CHAT, ("model",), None, fallback_provider="google"),
    "google.adk.models.lite_llm.LiteLlm": ModelCall(None, CHAT, ("model",), None, fallback_provider="litellm"),
    "strands.Agent": ModelCall(None, CHAT, ("model",), 0, fallback_provider="bedrock", requires_model=True),
    "strands.models.BedrockModel": ModelCall("bedrock", CHAT, ("model_id",), None),
    "strands.models.bedrock.BedrockModel": ModelCall("bedrock", CHAT, ("model_id",), None),
    "strands.models.anthropic.AnthropicModel": ModelCall("anthropic", CHAT, ("model_id",), None),
    "strands.models.openai.OpenAIModel": ModelCall("openai", CHAT, ("model_id",), None),
    "strands.models.litellm.LiteLLMModel": ModelCall(None, CHAT, ("model_id",), None, fallback_provider="litellm"),
    "strands.models.ollama.OllamaModel": ModelCall("ollama", CHAT, ("model_id",), None),
    "haystack.components.generators.chat.OpenAIChatGenerator": ModelCall("openai", CHAT, ("model",), None),
    "haystack.components.generators.OpenAIGenerator": ModelCall("openai", CHAT, ("model",), None),
    "haystack.components.generators.chat.AzureOpenAIChatGenerator": ModelCall(
        "azure-openai", CHAT, ("azure_deployment",), None),
    "haystack.components.embedders.OpenAITextEmbedder": ModelCall("openai", EMBEDDING, ("model",), None),
    "haystack.components.embedders.OpenAIDocumentEmbedder": ModelCall("openai", EMBEDDING, ("model",), None),
    "crewai.LLM": ModelCall(None, CHAT),
    # Without llm=, a CrewAI agent uses the OpenAI default model (OPENAI_MODEL_NAME): still a chat usage.
    "crewai.Agent": ModelCall(None, CHAT, ("llm",), None),
    "agents.Agent": ModelCall("openai", CHAT, ("model",), None),
    "agents.OpenAIChatCompletionsModel": ModelCall("openai", CHAT, ("model",), None),
    "agents.OpenAIResponsesModel": ModelCall("openai", CHAT, ("model",), None),
    "agents.extensions.models.litellm_model.LitellmModel": ModelCall(None, CHAT, ("model",), None,
                                                                     fallback_provider="litellm"),
    "pydantic_ai.Agent": ModelCall(None, CHAT),
    "pydantic_ai.models.openai.OpenAIModel": ModelCall("openai", CHAT, ("model_name",)),
    "pydantic_ai.models.openai.OpenAIChatModel": ModelCall("openai", CHAT, ("model_name",)),
    "pydantic_ai.models.anthropic.AnthropicModel": ModelCall("anthropic", CHAT, ("model_name",)),
    "dspy.LM": ModelCall(None, CHAT),
    "smolagents.LiteLLMModel": ModelCall(None, CHAT, ("model_id",), fallback_provider="litellm"),
    "smolagents.OpenAIServerModel": ModelCall("openai", CHAT, ("model_id",)),
    "smolagents.AzureOpenAIServerModel": ModelCall("azure-openai", CHAT, ("model_id",)),
    "smolagents.InferenceClientModel": ModelCall("huggingface", CHAT, ("model_id",)),
    "smolagents.HfApiModel": ModelCall("huggingface", CHAT, ("model_id",)),
    "autogen_ext.models.openai.OpenAIChatCompletionClient": ModelCall("openai", CHAT, ("model",), None),
    "autogen_ext.models.openai.AzureOpenAIChatCompletionClient": ModelCall("azure-openai", CHAT, ("model",), None),
    "autogen_ext.models.anthropic.AnthropicChatCompletionClient": ModelCall("anthropic", CHAT, ("model",), None),
    "autogen_ext.models.ollama.OllamaChatCompletionClient": ModelCall("ollama", CHAT, ("model",), None),
    "claude_agent_sdk.ClaudeAgentOptions": ModelCall("anthropic", CHAT, ("model",), None, requires_model=True),
}

LANGCHAIN_CLASSES: Mapping[str, ModelCall] = {
    "ChatOpenAI": ModelCall("openai", CHAT, ("model", "model_name"), None),
    "AzureChatOpenAI": ModelCall("azure-openai", CHAT, ("azure_deployment", "deployment_name", "model"), None),
    "OpenAI": ModelCall("openai", CHAT, ("model", "model_name"), None),
    "OpenAIEmbeddings": ModelCall("openai", EMBEDDING, ("model",), None),
    "AzureOpenAIEmbeddings": ModelCall("azure-openai", EMBEDDING, ("azure_deployment", "model"), None),
    "ChatAnthropic": ModelCall("anthropic", CHAT, ("model", "model_name"), None),
    "ChatBedrock": ModelCall("bedrock", CHAT, ("model_id", "model"), None),
    "ChatBedrockConverse": ModelCall("bedrock", CHAT, ("model", "model_id"), None),
    "BedrockEmbeddings": ModelCall("bedrock", EMBEDDING, ("model_id",), None),
    "ChatGoogleGenerativeAI": ModelCall("google", CHAT, ("model",), None),
    "GoogleGenerativeAIEmbeddings": ModelCall("google", EMBEDDING, ("model",), None),
    "ChatVertexAI": ModelCall("google", CHAT, ("model_name", "model"), None),
    "VertexAIEmbeddings": ModelCall("google", EMBEDDING, ("model_name", "model"), None),
    "ChatOllama": ModelCall("ollama", CHAT, ("model",), None),
    "OllamaLLM": ModelCall("ollama", CHAT, ("model",), None),
    "OllamaEmbeddings": ModelCall("ollama", EMBEDDING, ("model",), None),
    "ChatMistralAI": ModelCall("mistral", CHAT, ("model", "model_name"), None),
    "MistralAIEmbeddings": ModelCall("mistral", EMBEDDING, ("model",), None),
    "ChatCohere": ModelCall("cohere", CHAT, ("model",), None),
    "CohereEmbeddings": ModelCall("cohere", EMBEDDING, ("model",), None),
    "CohereRerank": ModelCall("cohere", RERANKING, ("model",), None),
    "ChatGroq": ModelCall("groq", CHAT, ("model", "model_name"), None),
    "ChatLiteLLM": ModelCall(None, CHAT, ("model",), None, fallback_provider="litellm"),
    # The older completion-style classes (langchain.llms, langchain_community.llms) real examples still use.
    "Ollama": ModelCall("ollama", CHAT, ("model",), None),
    "AzureOpenAI": ModelCall("azure-openai", CHAT, ("deployment_name", "model_name", "model"), None),
    "Bedrock": ModelCall("bedrock", CHAT, ("model_id",), None),
    "ChatTogether": ModelCall("together", CHAT, ("model", "model_name"), None),
    "ChatDeepSeek": ModelCall("deepseek", CHAT, ("model", "model_name"), None),
    "ChatFireworks": ModelCall("fireworks", CHAT, ("model", "model_name"), None),
    "ChatXAI": ModelCall("xai", CHAT, ("model", "model_name"), None),
}

FRAMEWORK_PACKAGE_PROVIDERS: Mapping[str, str] = {
    "openai": "openai", "azure_openai": "azure-openai", "anthropic": "anthropic", "ollama": "ollama",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "gemini": "google", "google_genai": "google",
    "google": "google", "vertex": "google", "mistralai": "mistral", "mistral": "mistral", "groq": "groq",
    "cohere": "cohere", "litellm": "litellm", "aws": "bedrock", "together": "together",
}
LLAMA_INDEX_KINDS: Mapping[str, LlmRole] = {"llms": CHAT, "embeddings": EMBEDDING}

MODEL_PREFIX_PROVIDERS: Mapping[str, str] = {
    "openai": "openai", "anthropic": "anthropic", "azure": "azure-openai", "azure_openai": "azure-openai",
    "bedrock": "bedrock", "bedrock_converse": "bedrock", "gemini": "google", "google": "google",
    "google-gla": "google", "google-vertex": "google", "google_genai": "google", "google_vertexai": "google",
    "vertex_ai": "google", "vertexai": "google", "mistral": "mistral", "mistralai": "mistral", "cohere": "cohere",
    "groq": "groq", "ollama": "ollama", "ollama_chat": "ollama", "together_ai": "together", "together": "together",
    "huggingface": "huggingface", "openrouter": "openrouter", "deepseek": "deepseek", "xai": "xai",
    "fireworks_ai": "fireworks", "perplexity": "perplexity",
}
MODEL_NAME_PROVIDERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding-3", "text-embedding-ada", "davinci", "babbage",
      "omni-moderation", "text-moderation"), "openai"),
    (("claude",), "anthropic"),
    (("gemini", "text-embedding-004", "textembedding-gecko", "gemma"), "google"),
    (("mistral", "mixtral", "codestral", "ministral", "pixtral", "open-mistral", "magistral"), "mistral"),
    (("command", "embed-english", "embed-multilingual", "rerank-"), "cohere"),
    (("anthropic.", "amazon.", "meta.", "cohere.", "ai21.", "us.anthropic.", "eu.anthropic."), "bedrock"),
)


def split_model(model: str) -> tuple[str | None, str]:
    """("anthropic", "claude-3") for "anthropic/claude-3" or "anthropic:claude-3"; else (None, model)."""
    for separator in (":", "/"):
        prefix, found, rest = model.partition(separator)
        if found and rest and prefix.lower() in MODEL_PREFIX_PROVIDERS:
            return MODEL_PREFIX_PROVIDERS[prefix.lower()], rest
    return None, model


def provider_of_model_name(model: str) -> str | None:
    lowered = model.lower()
    for prefixes, provider in MODEL_NAME_PROVIDERS:
        if lowered.startswith(prefixes):
            return provider
    return None


def role_of_model_name(model: str, default: LlmRole) -> LlmRole:
    lowered = model.lower()
    if "rerank" in lowered:
        return RERANKING
    if "embed" in lowered:
        return EMBEDDING
    return default
