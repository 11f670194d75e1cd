"""Import names to the distributions that provide them, where the two differ."""

import sys

from .linear_regex import compile_linear

IMPORT_TO_DISTRIBUTION: dict[str, str] = {
    # general Python ecosystem
    "yaml": "PyYAML", "cv2": "opencv-python", "bs4": "beautifulsoup4", "sklearn": "scikit-learn",
    "skimage": "scikit-image", "PIL": "Pillow", "dotenv": "python-dotenv", "dateutil": "python-dateutil",
    "jwt": "PyJWT", "jose": "python-jose", "docx": "python-docx", "pptx": "python-pptx", "magic": "python-magic",
    "serial": "pyserial", "usb": "pyusb", "Crypto": "pycryptodome", "Cryptodome": "pycryptodomex",
    "OpenSSL": "pyOpenSSL", "nacl": "PyNaCl", "attr": "attrs", "zmq": "pyzmq", "win32api": "pywin32",
    "win32con": "pywin32", "websocket": "websocket-client", "socketio": "python-socketio",
    "engineio": "python-engineio", "multipart": "python-multipart", "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL", "psycopg2": "psycopg2-binary", "gi": "PyGObject", "fitz": "PyMuPDF",
    "markdown": "Markdown", "jinja2": "Jinja2", "flask": "Flask", "sqlalchemy": "SQLAlchemy",
    "kafka": "kafka-python", "nats": "nats-py", "grpc": "grpcio", "telegram": "python-telegram-bot",
    "discord": "discord.py", "github": "PyGithub", "gitlab": "python-gitlab", "git": "GitPython",
    "slugify": "python-slugify", "Levenshtein": "Levenshtein", "faiss": "faiss-cpu", "newspaper": "newspaper3k",
    "serpapi": "google-search-results", "googlesearch": "googlesearch-python", "ddgs": "ddgs",
    "duckduckgo_search": "duckduckgo-search", "tavily": "tavily-python", "exa_py": "exa-py",
    "firecrawl": "firecrawl-py", "wikipedia": "wikipedia", "pdfminer": "pdfminer.six",
    "googleapiclient": "google-api-python-client", "google_auth_oauthlib": "google-auth-oauthlib",
    "pydantic_settings": "pydantic-settings", "ruamel": "ruamel.yaml", "lxml": "lxml", "toml": "toml",
    "dns": "dnspython", "ldap": "python-ldap", "snowflake": "snowflake-connector-python",
    "pinecone": "pinecone", "qdrant_client": "qdrant-client", "weaviate": "weaviate-client",
    "chromadb": "chromadb", "pymilvus": "pymilvus", "lancedb": "lancedb", "neo4j": "neo4j",
    "sentence_transformers": "sentence-transformers", "tiktoken": "tiktoken", "umap": "umap-learn",
    "speech_recognition": "SpeechRecognition", "pyaudio": "PyAudio", "whisper": "openai-whisper",
    "phoenix": "arize-phoenix", "haystack": "haystack-ai", "mem0": "mem0ai", "zep_cloud": "zep-cloud",
    "composio": "composio", "e2b_code_interpreter": "e2b-code-interpreter", "docker": "docker",
    "kubernetes": "kubernetes", "sentry_sdk": "sentry-sdk", "prometheus_client": "prometheus-client",
    # the AI stack, where generic tables get it wrong
    "agents": "openai-agents", "autogen": "ag2", "crewai_tools": "crewai-tools",
    "claude_agent_sdk": "claude-agent-sdk", "vertexai": "google-cloud-aiplatform",
    "llama_cpp": "llama-cpp-python", "langchain_text_splitters": "langchain-text-splitters",
    "openinference": "openinference-instrumentation", "dspy": "dspy", "strands": "strands-agents",
    "strands_tools": "strands-agents-tools", "mcp": "mcp", "fastmcp": "fastmcp", "browser_use": "browser-use",
}
DOTTED_TO_DISTRIBUTION: dict[str, str] = {
    "google.genai": "google-genai", "google.generativeai": "google-generativeai", "google.adk": "google-adk",
    "google.auth": "google-auth", "google.oauth2": "google-auth", "google.protobuf": "protobuf",
    "google.api_core": "google-api-core",
    "google.ai.generativelanguage": "google-ai-generativelanguage", "azure.ai.openai": "azure-ai-openai",
    "opentelemetry.trace": "opentelemetry-api", "opentelemetry.sdk": "opentelemetry-sdk",
    "opentelemetry.metrics": "opentelemetry-api", "opentelemetry.context": "opentelemetry-api",
    "opentelemetry.propagate": "opentelemetry-api", "opentelemetry.baggage": "opentelemetry-api",
}
ALTERNATIVE_DISTRIBUTIONS: dict[str, frozenset[str]] = {
    # distributions that install the same import name; a manifest naming any of them is enough
    "opencv-python": frozenset({"opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"}),
    "psycopg2-binary": frozenset({"psycopg2"}),
    "faiss-cpu": frozenset({"faiss-gpu", "faiss-gpu-cu12", "faiss-gpu-cu11"}),
    "Pillow": frozenset({"pillow-simd"}),
    "pycryptodome": frozenset({"pycrypto"}),
    "ag2": frozenset({"pyautogen", "autogen"}),
    "pinecone": frozenset({"pinecone-client"}),
    "google-search-results": frozenset({"serpapi"}),
    "python-magic": frozenset({"python-magic-bin"}),
    "duckduckgo-search": frozenset({"ddgs"}),
    "dspy": frozenset({"dspy-ai"}),
    "haystack-ai": frozenset({"farm-haystack"}),
    "llama-index-core": frozenset({"llama-index"}),
    "kafka-python": frozenset({"kafka-python-ng"}),
    "tavily-python": frozenset({"tavily"}),
}
SEPARATORS = compile_linear(r"[-_.]+")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


def normalise_distribution(name: str) -> str:
    return SEPARATORS.sub("-", name).lower()


def provided_by_any_of(distribution: str) -> set[str]:
    """Normalised names of every distribution that provides the same import as `distribution`."""
    alternatives = ALTERNATIVE_DISTRIBUTIONS.get(distribution, frozenset())
    return {normalise_distribution(name) for name in (distribution, *alternatives)}


def _namespace_distribution(parts: list[str]) -> str | None:
    dotted = ".".join(parts)
    if dotted.startswith("azure.") and len(parts) >= 2:
        depth = 3 if len(parts) >= 3 and parts[1] in ("ai", "storage", "mgmt", "search", "cosmos", "keyvault",
                                                         "monitor", "servicebus", "eventhub", "data") else 2
        return "-".join(parts[:depth]).replace("_", "-")
    if dotted.startswith("google.cloud.") and len(parts) >= 3:
        return "google-cloud-" + parts[2].replace("_", "-")
    if parts[0] == "llama_index":
        if len(parts) >= 3 and parts[1] not in ("core",):
            return "llama-index-" + "-".join(parts[1:3]).replace("_", "-")
        return "llama-index-core" if len(parts) >= 2 else "llama-index"
    if dotted.startswith(("opentelemetry.exporter.", "opentelemetry.instrumentation.")) and len(parts) >= 3:
        return "-".join(parts[:3]).replace("_", "-")
    return None


def distribution_for_import(module: str) -> str | None:
    """The PyPI distribution that provides `module`, or None for the standard library."""
    parts = module.split(".")
    if parts[0] in STDLIB or not parts[0]:
        return None
    for length in range(len(parts), 1, -1):
        dotted = ".".join(parts[:length])
        if dotted in DOTTED_TO_DISTRIBUTION:
            return DOTTED_TO_DISTRIBUTION[dotted]
    namespaced = _namespace_distribution(parts)
    if namespaced is not None:
        return namespaced
    if parts[0] in ("google", "azure", "opentelemetry"):
        return None  # a bare namespace import names no distribution
    return IMPORT_TO_DISTRIBUTION.get(parts[0], parts[0].replace("_", "-"))
