"""Whether a model call the code makes reaches the platform's model gateway, and if not, why.

The gateway serves OpenAI's chat-completions, embeddings and Responses wire (/llm/v1) and
Anthropic's messages wire (/llm/v1/messages); the runtime points the SDKs that read a base-URL
variable at it (see runagents_runtime.environment). A call through an SDK that speaks another
vendor's wire, or that reads no such variable, or that the code points at a host of its own, goes
to that vendor directly: it needs the vendor's key, and the platform neither meters nor limits it.
"""

from dataclasses import dataclass

GATEWAY_PROVIDERS = frozenset({"openai", "anthropic"})
"""Providers whose own SDKs (and the frameworks built on them) the runtime points at the gateway."""

LITELLM_ROUTED = frozenset({"openai", "anthropic", "deepseek", "openrouter", "litellm"})
"""Providers LiteLLM reaches through a base-URL variable the runtime sets: OPENAI_API_BASE,
ANTHROPIC_BASE_URL, DEEPSEEK_API_BASE, OPENROUTER_API_BASE (a model without a provider prefix
goes to OpenAI's)."""

LITELLM_CLASSES = frozenset({"LiteLLMModel", "ChatLiteLLM", "LitellmModel", "LiteLlm"})
LITELLM_BACKED_BY_PACKAGE = {"crewai": frozenset({"LLM", "Agent"}), "dspy": frozenset({"LM"})}
"""Constructs that make their calls through LiteLLM (besides litellm.* itself)."""

ROUTED_BY_OWN_VARIABLE = {
    ("groq", "Groq"), ("groq", "AsyncGroq"), ("groq", "ChatGroq"),  # GROQ_BASE_URL
    ("deepseek", "ChatDeepSeek"),  # DEEPSEEK_API_BASE
    ("together", "ChatTogether"),  # TOGETHER_API_BASE
}
"""(provider, class) of OpenAI-wire clients of other vendors whose own base-URL variable the runtime sets."""

OWN_WIRES = {
    "google": "Gemini's own API (google-genai, Vertex AI)",
    "bedrock": "AWS Bedrock's API (signed AWS requests)",
    "azure-openai": "Azure OpenAI's deployment URLs",
    "mistral": "Mistral's API through its SDK, which has no base-URL variable the runtime could set,",
    "cohere": "Cohere's own API",
    "ollama": "Ollama's own API (/api/chat)",
    "huggingface": "Hugging Face's inference API",
}


@dataclass(frozen=True, slots=True)
class Routing:
    routable: bool
    note: str | None = None


ROUTED = Routing(routable=True)


def routing(provider: str, via: str) -> Routing:
    """How a call to `provider`, made through `via`, travels.

    `via`: "sdk:<client type>" (an SDK client), "base_url:<client type>" (a client the code gives a
    base_url of its own), "call:<qualified name>" (a framework model or function), "http:<host>"
    (a raw HTTP call to a literal host), "http-env" (raw HTTP to a base URL read from the
    environment), or "" (unknown: judged by the provider alone).
    """
    kind, _, target = via.partition(":")
    if kind == "base_url":
        return Routing(False, f"the code gives the {_short(target)} client a base_url of its own, so this call goes "
                              f"to {provider} directly, not through the gateway, and fails without {provider}'s key")
    if kind == "http":
        return Routing(False, f"the code calls {target or provider} over HTTP at a fixed address, which the "
                              f"gateway's base-URL variables do not reach; it fails without {provider}'s key")
    if kind == "call" and _through_litellm(target):
        if provider in LITELLM_ROUTED:
            return ROUTED
        return _direct(provider, f"LiteLLM's {provider} route reads no base-URL variable the runtime sets")
    if provider in GATEWAY_PROVIDERS or (provider, _short(target)) in ROUTED_BY_OWN_VARIABLE:
        return ROUTED
    if provider == "litellm":
        return ROUTED
    wire = OWN_WIRES.get(provider, f"{provider}'s own API")
    return _direct(provider, f"this call speaks {wire} which the gateway does not serve")


def _direct(provider: str, why: str) -> Routing:
    return Routing(False, f"{why}; it would go to {provider} directly and fail without {provider}'s key "
                          "(the platform cannot wire, meter or limit it)")


def _through_litellm(qualname: str) -> bool:
    top, short = qualname.split(".")[0], _short(qualname)
    return top == "litellm" or short in LITELLM_CLASSES or short in LITELLM_BACKED_BY_PACKAGE.get(top, ())


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]
