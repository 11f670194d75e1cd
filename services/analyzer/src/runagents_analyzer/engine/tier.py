"""Tier choice: custom code (the agent's own handler or a framework) or the platform runtime."""

import ast
from dataclasses import dataclass

from .local_modules import LocalModules
from .report import Tier
from .scopes import ModuleInfo

FRAMEWORK_CLASSES = {
    "AgentExecutor": "LangChain", "create_openai_tools_agent": "LangChain", "StateGraph": "LangGraph",
    "CompiledGraph": "LangGraph", "CompiledStateGraph": "LangGraph",
}
FRAMEWORK_PACKAGES = {
    "langchain": "LangChain", "langgraph": "LangGraph", "crewai": "CrewAI", "autogen": "AutoGen",
    "agents": "OpenAI Agents SDK", "llama_index": "LlamaIndex", "pydantic_ai": "Pydantic AI", "agno": "Agno",
    "smolagents": "smolagents", "claude_agent_sdk": "Claude Agent SDK", "google.adk": "Google ADK",
    "strands": "Strands Agents", "semantic_kernel": "Semantic Kernel", "haystack": "Haystack",
    "letta": "Letta", "dspy": "DSPy",
}
JS_FRAMEWORK_PACKAGES = {
    "langchain": "LangChain.js", "@langchain/": "LangChain.js", "@openai/agents": "OpenAI Agents SDK",
    "@mastra/": "Mastra", "mastra": "Mastra", "llamaindex": "LlamaIndex.TS", "@llamaindex/": "LlamaIndex.TS",
    "@anthropic-ai/claude-agent-sdk": "Claude Agent SDK", "@anthropic-ai/claude-code": "Claude Agent SDK",
    "@voltagent/": "VoltAgent", "@google/adk": "Google ADK", "@crewai/": "CrewAI",
}
# lambda_handler: the AWS Lambda convention; the runtime discovers it like handler() (see entry_point.py)
HANDLER_NAMES = ("handler", "lambda_handler")
PLATFORM_REASON = "no handler function or agent-framework import found; the platform runtime runs the agent"


@dataclass(frozen=True, slots=True)
class JsImport:
    module: str
    file: str
    line: int


def framework_of_import(module: str) -> str | None:
    for package, framework in FRAMEWORK_PACKAGES.items():
        if module == package or module.startswith(package + "."):
            return framework
    top = module.split(".")[0]
    for family in ("langchain", "crewai", "autogen", "llama_index"):
        if top.startswith(family + "_"):
            return FRAMEWORK_PACKAGES[family]
    return None


def framework_of_js_import(module: str) -> str | None:
    for package, framework in JS_FRAMEWORK_PACKAGES.items():
        if module == package or module.startswith(package if package.endswith("/") else package + "/"):
            return framework
    return None


def _handler(modules: list[ModuleInfo]) -> str | None:
    for module in modules:
        for statement in module.parsed.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name in HANDLER_NAMES:
                return f"def {statement.name}() in {module.path}:{statement.lineno}"
    return None


def _framework_names(modules: list[ModuleInfo]) -> str | None:
    for module in modules:
        for name, framework in FRAMEWORK_CLASSES.items():
            if name in module.identifiers:
                return f"{name} ({framework}) in {module.path}:{module.identifiers[name]}"
    return None


def _crew_base(modules: list[ModuleInfo]) -> str | None:
    for module in modules:
        for class_scope in module.classes.values():
            assert isinstance(class_scope.node, ast.ClassDef)
            for decorator in class_scope.node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if getattr(target, "id", getattr(target, "attr", None)) == "CrewBase":
                    return f"@CrewBase (CrewAI) in {module.path}:{decorator.lineno}"
    return None


def _framework_imports(modules: list[ModuleInfo], local_modules: LocalModules) -> str | None:
    for module in modules:
        local = local_modules.local_tops(module)
        for record in module.imports:
            if record.module.split(".")[0] in local:
                continue
            framework = framework_of_import(record.module)
            if framework is not None:
                return f"imports {record.module} ({framework}) in {module.path}:{record.line}"
    return None


def _js_framework_imports(imports: list[JsImport]) -> str | None:
    for record in imports:
        framework = framework_of_js_import(record.module)
        if framework is not None:
            return f"imports {record.module} ({framework}) in {record.file}:{record.line}"
    return None


def decide_tier(modules: list[ModuleInfo], local_modules: LocalModules, js_imports: list[JsImport]) -> Tier:
    reason = (
        _handler(modules)
        or _framework_names(modules)
        or _crew_base(modules)
        or _framework_imports(modules, local_modules)
        or _js_framework_imports(js_imports)
    )
    if reason is not None:
        return Tier(value="custom", reason=reason)
    return Tier(value="platform", reason=PLATFORM_REASON)
