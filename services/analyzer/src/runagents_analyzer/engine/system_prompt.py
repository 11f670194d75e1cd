"""The system prompt: the text given to the model as its system message or instructions."""

import ast

from .evaluate import Evaluator
from .linear_regex import compile_linear
from .project import Project
from .report import SystemPrompt
from .scopes import Scope

PROMPT_KEYWORDS = frozenset(
    {"system", "instructions", "system_prompt", "system_message", "system_instruction", "preamble",
     "state_modifier"}
)
PROMPT_KEYWORDS_OF = {"create_react_agent": frozenset({"prompt"})}
SYSTEM_ROLES = frozenset({"system", "developer"})
SYSTEM_MESSAGE_CLASSES = frozenset({"SystemMessage", "SystemMessagePromptTemplate.from_template"})
PROMPT_CONSTANT = compile_linear(r"^[A-Z0-9_]*(SYSTEM_PROMPT|SYSTEM_MESSAGE|SYSTEM_INSTRUCTIONS?|INSTRUCTIONS)$")
MIN_PROMPT_LENGTH = 10


class SystemPromptFinder:
    def __init__(self, project: Project, evaluator: Evaluator) -> None:
        self.project = project
        self.evaluator = evaluator

    def find(self, entry_file: str | None) -> SystemPrompt | None:
        found: list[SystemPrompt] = []
        for module in self.project.modules:
            for call, scope in module.calls:
                for expr in self._prompt_expressions(call, scope):
                    prompt = self._prompt(expr, scope)
                    if prompt is not None:
                        found.append(prompt)
        if not found:
            found = self._constants()
        if not found:
            return None
        return min(found, key=lambda p: (p.file != entry_file, p.file, p.line))

    def _prompt_expressions(self, call: ast.Call, scope: Scope) -> list[ast.expr]:
        expressions: list[ast.expr] = []
        callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        qualified = ast.unparse(call.func)
        if callee == "SystemMessage" or any(qualified.endswith(name) for name in SYSTEM_MESSAGE_CLASSES):
            content = next((k.value for k in call.keywords if k.arg in ("content", "template")), None)
            if content is None and call.args:
                content = call.args[0]
            if content is not None:
                expressions.append(content)
        keywords = PROMPT_KEYWORDS | PROMPT_KEYWORDS_OF.get(callee, frozenset())
        for keyword in call.keywords:
            if keyword.arg in keywords:
                expressions.extend(self._text_blocks(keyword.value, scope))
        for value in [*call.args, *(k.value for k in call.keywords if k.arg not in keywords)]:
            expressions.extend(self._system_messages(value, scope))
        return expressions

    def _text_blocks(self, expr: ast.expr, scope: Scope) -> list[ast.expr]:
        """A prompt given as a string, or as content blocks: system=[{"text": ...}] (Bedrock, Anthropic)."""
        node, _ = self.project.resolve_node(expr, scope)
        if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
            return [expr]
        first = node.elts[0]
        if isinstance(first, ast.Dict):
            fields = {k.value: v for k, v in zip(first.keys, first.values, strict=True) if isinstance(k, ast.Constant)}
            block = fields.get("text", fields.get("content"))
            return [block] if block is not None else []
        return [first]

    def _system_messages(self, expr: ast.expr, scope: Scope) -> list[ast.expr]:
        node, _ = self.project.resolve_node(expr, scope)
        items = node.elts if isinstance(node, ast.List | ast.Tuple) and not _is_role_tuple(node) else [node]
        contents: list[ast.expr] = []
        for item in items:
            if isinstance(item, ast.Dict):
                fields = {k.value: v for k, v in zip(item.keys, item.values, strict=True)
                          if isinstance(k, ast.Constant)}
                role = fields.get("role")
                if isinstance(role, ast.Constant) and role.value in SYSTEM_ROLES and "content" in fields:
                    contents.append(fields["content"])
            elif _is_role_tuple(item):
                assert isinstance(item, ast.Tuple)
                contents.append(item.elts[1])
        return contents

    def _prompt(self, expr: ast.expr, scope: Scope) -> SystemPrompt | None:
        value = self.evaluator.value(expr, scope)
        text = value.render().strip()
        if not value.has_known_text or len(text) < MIN_PROMPT_LENGTH:
            return None
        node, node_scope = self.project.resolve_node(expr, scope)
        return SystemPrompt(file=node_scope.module.path, line=getattr(node, "lineno", 0), text=text)

    def _constants(self) -> list[SystemPrompt]:
        found: list[SystemPrompt] = []
        for module in self.project.modules:
            for name, bindings in module.scope.bindings.items():
                if not PROMPT_CONSTANT.match(name):
                    continue
                for binding in bindings:
                    if binding.value is not None:
                        prompt = self._prompt(binding.value, module.scope)
                        if prompt is not None:
                            found.append(prompt)
        return found


def _is_role_tuple(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and isinstance(node.elts[0], ast.Constant)
        and node.elts[0].value in SYSTEM_ROLES
    )
