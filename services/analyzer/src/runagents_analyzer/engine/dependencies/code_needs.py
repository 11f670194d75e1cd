"""Packages the code needs that a manifest often leaves out: a framework's integration that is a
separate distribution or an extra (the code imports `langchain_openai`, the manifest names only
langchain), or a dependency a framework's release imports without declaring. A small table, on
purpose: each row is a known gap between what a framework's documentation imports and what its
main distribution installs."""

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..import_names import normalise_distribution


@dataclass(frozen=True)
class Need:
    module: str
    """An import (`pkg.mod`), or a name imported from a module (`smolagents.OpenAIServerModel`)."""
    distribution: str
    extra: str | None = None
    enough: tuple[str, ...] = ()
    """Other distributions that, when declared, already bring what the import needs."""

    def requirement(self) -> str:
        return f"{self.distribution}[{self.extra}]" if self.extra else self.distribution


CODE_NEEDS: tuple[Need, ...] = (
    Need("langchain_openai", "langchain-openai"),
    Need("langchain_anthropic", "langchain-anthropic"),
    Need("langchain_google_genai", "langchain-google-genai"),
    Need("langchain_community", "langchain-community"),
    Need("langchain_ollama", "langchain-ollama"),
    Need("langchain_mistralai", "langchain-mistralai"),
    Need("langchain_groq", "langchain-groq"),
    Need("langchain_aws", "langchain-aws"),
    Need("pydantic_ai.models.openai", "pydantic-ai-slim", "openai", enough=("pydantic-ai",)),
    Need("pydantic_ai.models.anthropic", "pydantic-ai-slim", "anthropic", enough=("pydantic-ai",)),
    Need("pydantic_ai.models.gemini", "pydantic-ai-slim", "google", enough=("pydantic-ai",)),
    Need("pydantic_ai.models.google", "pydantic-ai-slim", "google", enough=("pydantic-ai",)),
    Need("llama_index.llms.openai", "llama-index-llms-openai", enough=("llama-index",)),
    Need("llama_index.embeddings.openai", "llama-index-embeddings-openai", enough=("llama-index",)),
    Need("autogen_ext.models.openai", "autogen-ext", "openai"),
    Need("smolagents.OpenAIServerModel", "smolagents", "openai"),
    Need("smolagents.LiteLLMModel", "smolagents", "litellm"),
    Need("agno.models.openai", "openai"),
    Need("agno.models.anthropic", "anthropic"),
    Need("google.adk.models.lite_llm", "litellm"),
    Need("agents.extensions.models.litellm_model", "openai-agents", "litellm"),
    # google-adk before 0.6 imports `deprecated` without declaring it (opentelemetry-api used to bring
    # it, and no longer does): a Poetry sample pinned to adk ^0.5 fails at import without it.
    Need("google.adk", "Deprecated"),
)


@dataclass(frozen=True)
class Era:
    """Imports that exist only before a release removed them: code written against them runs with the
    distribution held below that release, unless the manifest already bounds it."""

    modules: tuple[str, ...]
    distribution: str
    below: str


CODE_ERAS: tuple[Era, ...] = (
    # LangChain 1.0 moved the pre-1.0 agents, chains, memory and loaders to langchain-classic.
    Era(("langchain.agents.AgentExecutor", "langchain.agents.initialize_agent", "langchain.agents.create_react_agent",
         "langchain.agents.create_openai_tools_agent", "langchain.agents.create_openai_functions_agent",
         "langchain.agents.create_tool_calling_agent", "langchain.agents.AgentType", "langchain.chains",
         "langchain.memory", "langchain.text_splitter", "langchain.document_loaders",
         "langchain.chat_models.ChatOpenAI", "langchain.llms", "langchain.vectorstores", "langchain.embeddings",
         "langchain.hub"),
        "langchain", "1.0"),
)


def era_constraints(imports: set[str], requirements: Iterable[str]) -> list[str]:
    """Constraints (`langchain<1.0`) for imports of a removed API whose distribution the manifest
    leaves unbounded above."""
    bounded = {_name_and_extras(text)[0] for text in requirements
               if "<" in text.split(";", 1)[0] or "==" in text.split(";", 1)[0]}
    return [
        f"{era.distribution}<{era.below}" for era in CODE_ERAS
        if normalise_distribution(era.distribution) not in bounded
        and any(module == m or module.startswith(m + ".") for module in imports for m in era.modules)
    ]


def imported_modules(files: Mapping[str, bytes]) -> set[str]:
    """Absolute imports of the upload's Python files: `a.b` for `import a.b`, and both `a.b` and
    `a.b.c` for `from a.b import c`."""
    found: set[str] = set()
    for path, content in files.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(content)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _name_and_extras(text: str) -> tuple[str, set[str]]:
    """`Pkg[a, b]>=1 ; marker` -> (`pkg`, {"a", "b"}): the normalised name and the extras asked."""
    name, _, rest = text.split(";", 1)[0].partition("[")
    name = name.strip().split("=")[0].split("<")[0].split(">")[0].split("~")[0].split("!")[0].strip()
    extras = {e.strip().lower() for e in rest.split("]", 1)[0].split(",")} if rest else set()
    return normalise_distribution(name), extras


def _declared(requirements: Iterable[str]) -> dict[str, set[str]]:
    """Normalised distribution name -> the extras declared with it."""
    declared: dict[str, set[str]] = {}
    for text in requirements:
        name, extras = _name_and_extras(text)
        declared.setdefault(name, set()).update(extras)
    return declared


def needed_additions(imports: set[str], requirements: Iterable[str], declared_names: Iterable[str] = ()) -> list[str]:
    """Requirements to add to a manifest for the imports in `imports` it does not cover."""
    declared = _declared(requirements)
    for name in declared_names:
        declared.setdefault(normalise_distribution(name), set())
    added: list[str] = []
    for need in CODE_NEEDS:
        if not any(module == need.module or module.startswith(need.module + ".") for module in imports):
            continue
        if any(normalise_distribution(other) in declared for other in need.enough):
            continue
        extras = declared.get(normalise_distribution(need.distribution))
        if extras is not None and (need.extra is None or need.extra in extras):
            continue
        if need.requirement() not in added:
            added.append(need.requirement())
    return added
