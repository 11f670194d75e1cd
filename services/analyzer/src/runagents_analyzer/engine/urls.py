"""URLs as the analyzer sees them: possibly templated, classified as tool or LLM endpoint."""

import ipaddress
from dataclasses import dataclass

from .linear_regex import SPACE, compile_linear
from .report import LlmRole
from .values import Origin, StrValue

# "\n?$": Python's "$" also matched before a final newline, and URLs written so still count
URL_PATTERN = compile_linear(
    rf"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?P<authority>[^/?#{SPACE}]*)(?P<rest>[^{SPACE}]*)\n?$"
)
NOT_SLUG = compile_linear(r"[^a-z0-9]+")
HTTP_SCHEMES = frozenset({"http", "https", "ws", "wss"})
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
NETWORK_SCHEMES = HTTP_SCHEMES | frozenset(
    {"redis", "rediss", "postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "amqp", "amqps", "nats",
     "grpc", "grpcs", "ftp", "ftps", "sftp", "smtp", "smtps", "tcp", "kafka", "mqtt", "mqtts"}
)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"})
NON_CONTACT_HOSTS = frozenset(
    {"www.w3.org", "w3.org", "schemas.xmlsoap.org", "json-schema.org", "schemas.microsoft.com", "purl.org",
     "xmlns.com", "schema.org"}
)
TWO_LEVEL_SUFFIXES = frozenset(
    {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "co.nz", "com.br", "co.in",
     "co.za", "com.cn", "com.sg", "co.kr", "com.mx", "com.tr", "co.il"}
)
CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local", ".local", ".internal", ".localdomain")
UMBRELLA_DOMAINS = {"googleapis.com": "google", "amazonaws.com": "aws", "azure.com": "azure",
                    "windows.net": "azure", "azurewebsites.net": "azure"}
GENERIC_LABELS = frozenset({"api", "www", "app", "apis", "rest", "gateway", "service"})
ENV_NAME_SUFFIXES = ("URL", "URI", "BASE", "ENDPOINT", "HOST", "ADDR", "ADDRESS", "API", "BASE_URL")

LLM_HOSTS = {
    "api.openai.com": "openai", "api.anthropic.com": "anthropic", "generativelanguage.googleapis.com": "google",
    "api.mistral.ai": "mistral", "api.cohere.ai": "cohere", "api.cohere.com": "cohere", "api.groq.com": "groq",
    "openrouter.ai": "openrouter", "api.together.xyz": "together", "api.together.ai": "together",
    "api.deepseek.com": "deepseek", "api.x.ai": "xai", "api.fireworks.ai": "fireworks",
    "api.perplexity.ai": "perplexity", "api-inference.huggingface.co": "huggingface",
    "router.huggingface.co": "huggingface", "api.voyageai.com": "voyage", "api.jina.ai": "jina",
}
LLM_ENV_NAMES = frozenset(
    {"LLM_GATEWAY_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "ANTHROPIC_BASE_URL", "OLLAMA_HOST",
     "OLLAMA_BASE_URL", "AZURE_OPENAI_ENDPOINT"}
)
LLM_PATH_PATTERN = compile_linear(
    r"(?i)"
    r"/chat/completions/?$|/v\d+/(completions|responses|embeddings|messages|rerank|moderations)/?$|"
    r"/llm(/|$)|:(stream)?generateContent$|:embedContent$"
)


@dataclass(frozen=True, slots=True)
class Url:
    value: StrValue
    scheme: str | None
    host: str | None
    port: str | None
    path: str

    @property
    def text(self) -> str:
        return self.value.render()

    @property
    def host_is_known(self) -> bool:
        return bool(self.host) and "{" not in (self.host or "")

    @property
    def origin(self) -> str | None:
        if not self.scheme or not self.host:
            return None
        return f"{self.scheme}://{self.host}" + (f":{self.port}" if self.port else "")


def parse_url(value: StrValue) -> Url:
    text = value.render()
    match = URL_PATTERN.match(text)
    if match is None:
        return Url(value, None, None, None, text)
    authority = match.group("authority").rsplit("@", 1)[-1]
    host, port = authority, None
    if authority.startswith("["):
        host, _, after = authority[1:].partition("]")
        port = after[1:] if after.startswith(":") else None
    elif authority.count(":") == 1:
        host, port = authority.split(":")
    return Url(value, match.group("scheme").lower(), host.lower().rstrip(".") or None, port or None,
               match.group("rest"))


def looks_like_url(text: str, schemes: frozenset[str] = NETWORK_SCHEMES) -> bool:
    match = URL_PATTERN.match(text)
    return bool(match) and match is not None and match.group("scheme").lower() in schemes


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _slug(text: str) -> str:
    return NOT_SLUG.sub("-", text.lower()).strip("-")


def tool_name_from_host(host: str, port: str | None = None) -> str:
    """api.github.com -> github, calculator.agent-system.svc -> calculator."""
    if is_loopback(host) or _is_ip(host):
        return "localhost" + (f"-{port}" if port else "") if is_loopback(host) else _slug(host)
    labels = [label for label in host.split(".") if label and "{" not in label] or [host]
    if len(labels) == 1 or host.endswith(CLUSTER_SUFFIXES):
        return _slug(labels[0])
    for domain, prefix in UMBRELLA_DOMAINS.items():
        if host.endswith("." + domain):
            service = next((label for label in labels if label not in GENERIC_LABELS), labels[0])
            return _slug(f"{prefix}-{service}") if service not in domain.split(".") else prefix
    suffix_length = 2 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES and len(labels) > 2 else 1
    return _slug(labels[-(suffix_length + 1)])


def tool_name_from_host_long(host: str) -> str:
    """A longer name for when two hosts share a short name: uploads.github.com -> uploads-github."""
    labels = [label for label in host.split(".") if label not in GENERIC_LABELS]
    suffix_length = 2 if ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES else 1
    return _slug("-".join(labels[:-suffix_length] or labels))


def tool_name_from_env(variable: str) -> str | None:
    """TOOL_URL_ECHO -> echo; WEATHER_API_URL -> weather."""
    if variable.startswith("TOOL_URL_"):
        return _slug(variable.removeprefix("TOOL_URL_")) or None
    words = variable.upper().split("_")
    while len(words) > 1 and words[-1] in ENV_NAME_SUFFIXES:
        words.pop()
    return _slug("-".join(words)) or None


def platform_tool_of(origin: Origin | None) -> str | None:
    if origin is None:
        return None
    if origin.kind == "tool":
        return origin.name
    if origin.kind == "env" and origin.name.startswith("TOOL_URL_"):
        return tool_name_from_env(origin.name)
    return None


def llm_endpoint(url: Url) -> tuple[str, LlmRole] | None:
    """(provider, role) when the URL is a language-model API rather than a tool."""
    origin = url.value.parts[0].origin if url.value.parts else None
    if platform_tool_of(origin) is not None:
        return None  # the platform named it a tool, whatever its path looks like
    provider: str | None = None
    if url.host and url.host in LLM_HOSTS:
        provider = LLM_HOSTS[url.host]
    elif url.host and url.host.endswith(".openai.azure.com"):
        provider = "azure-openai"
    elif url.host and url.host.startswith("bedrock-runtime.") and url.host.endswith(".amazonaws.com"):
        provider = "bedrock"
    elif url.host and url.host.endswith("aiplatform.googleapis.com"):
        provider = "google"
    elif url.port == "11434" or (origin is not None and origin.name.startswith("OLLAMA")):
        provider = "ollama"
    elif (origin is not None and origin.kind == "env" and origin.name in LLM_ENV_NAMES) or LLM_PATH_PATTERN.search(
        url.path.split("?")[0]
    ):
        provider = "anthropic" if url.path.rstrip("/").endswith("/messages") else "openai"
    if provider is None:
        return None
    return provider, role_of_path(url.path)


def role_of_path(path: str) -> LlmRole:
    lowered = path.lower()
    if "rerank" in lowered:
        return "reranking"
    if "embed" in lowered:
        return "embedding"
    if "moderation" in lowered or "classif" in lowered:
        return "classify"
    return "chat"
