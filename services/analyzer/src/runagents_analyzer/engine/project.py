"""Cross-module name resolution: what a name refers to, and what object an expression holds."""

import ast
import builtins
from dataclasses import dataclass
from pathlib import PurePosixPath

from .scopes import Binding, FunctionNode, ModuleInfo, Position, Scope, build_module, position_of
from .sources import ParsedPython

MAX_DEPTH = 24
MAX_CALL_SITES = 16
CLIENT_WRAPPERS = frozenset(
    {"instructor.from_openai", "instructor.from_anthropic", "instructor.patch", "instructor.apatch",
     "langsmith.wrappers.wrap_openai", "langsmith.wrappers.wrap_anthropic"}
)
"""Functions that return the client they are given, patched: the calls are still that client's."""
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """An object created by calling `type` (a qualified name), e.g. openai.OpenAI."""

    type: str
    call: ast.Call | None
    scope: Scope | None
    local_class: Scope | None = None


def _module_aliases(paths: list[str]) -> dict[str, str]:
    """Importable names of each module file.

    A folder without __init__.py that holds Python files can be a script folder on
    sys.path, so its modules are importable by their short names too."""
    directories_with_python = {str(PurePosixPath(p).parent) for p in paths}
    packages = {str(PurePosixPath(p).parent) for p in paths if p.endswith("__init__.py")}
    roots = {"."} | {d for d in directories_with_python if d not in packages} | {"src"}
    aliases: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        pure = PurePosixPath(path).with_suffix("")
        parts = list(pure.parts)
        if parts[-1] == "__init__":
            parts.pop()
        for start in range(len(parts)):
            root = "/".join(parts[:start]) or "."
            if root in roots and parts[start:]:
                aliases.setdefault(".".join(parts[start:]), path)
    return aliases


def _function_returns(node: FunctionNode) -> list[ast.expr]:
    found: list[ast.expr] = []
    pending: list[ast.AST] = list(node.body)
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Return) and current.value is not None:
            found.append(current.value)
        if not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(current))
    return found


def _unwrap_optional(annotation: ast.expr) -> ast.expr:
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        kept = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        return kept[0] if kept else annotation
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name | ast.Attribute):
        wrapper = annotation.value.id if isinstance(annotation.value, ast.Name) else annotation.value.attr
        return annotation.slice if wrapper == "Optional" else annotation
    return annotation


class Project:
    def __init__(self, parsed: list[ParsedPython]) -> None:
        self.modules: list[ModuleInfo] = [build_module(p) for p in parsed]
        by_path = {m.path: m for m in self.modules}
        self.by_name: dict[str, ModuleInfo] = {
            alias: by_path[path] for alias, path in _module_aliases(list(by_path)).items()
        }
        self._instances: dict[int, Instance | None] = {}
        self._instance_depth = 0
        self._call_sites: dict[int, list[tuple[ast.Call, Scope, bool]]] = {}
        self._calls_by_name: dict[str, list[tuple[ast.Call, Scope]]] | None = None
        self._returns: dict[int, list[ast.expr]] = {}

    # --- names -------------------------------------------------------------------------

    def lookup(self, name: str, scope: Scope, at: Position | None) -> list[Binding]:
        current: Scope | None = scope
        while current is not None:
            if current.kind == "function" and name in current.global_names:
                current, at = current.module.scope, None
                continue
            if name in current.bindings and (current is scope or current.kind != "class"):
                return self._reaching(current.bindings[name], at if current is scope else None)
            current = current.parent
        for star in scope.module.star_imports:
            module = self.by_name.get(star)
            if module is not None and name in module.scope.bindings:
                return self._reaching(module.scope.bindings[name], None)
        return []

    @staticmethod
    def _reaching(bindings: list[Binding], at: Position | None) -> list[Binding]:
        if len(bindings) == 1:
            return bindings
        candidates = [b for b in bindings if at is None or b.position < at] or bindings
        reaching: list[Binding] = []
        for binding in sorted(candidates, key=lambda b: b.position):
            reaching = [*reaching, binding] if binding.conditional else [binding]
        return reaching

    def qualname(self, expr: ast.expr, scope: Scope) -> str | None:
        """The dotted name an expression refers to: requests.post, os.environ.get, pkg.mod.func."""
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        bindings = self.lookup(expr.id, scope, position_of(expr))
        for binding in reversed(bindings):
            if binding.kind == "import":
                return binding.qualname
            if binding.kind in ("def", "class"):
                return f"{binding.scope.module.name}.{binding.name}"
        if not bindings and expr.id in BUILTIN_NAMES:
            return f"builtins.{expr.id}"
        return None

    def definition(self, qualname: str, depth: int = 0) -> list[Binding]:
        """Bindings in the analysed sources that a dotted name refers to (empty when external)."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.by_name.get(".".join(parts[:cut]))
            if module is None:
                continue
            scope, rest = module.scope, parts[cut:]
            bindings = scope.bindings.get(rest[0], [])
            if len(rest) == 2 and rest[0] in module.classes:
                class_scope = module.classes[rest[0]]
                bindings = class_scope.bindings.get(rest[1], []) + class_scope.attributes.get(rest[1], [])
            elif len(rest) > 1:
                return []
            bindings = self._reaching(bindings, None)
            if depth < 4 and len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualname:
                return self.definition(bindings[0].qualname, depth + 1) or bindings
            return bindings
        return []

    def local_function(self, qualname: str) -> tuple[FunctionNode, Scope] | None:
        for binding in self.definition(qualname):
            if binding.kind == "def" and isinstance(binding.node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = binding.scope.module.scope_of_function.get(id(binding.node))
                if inner is not None:
                    return binding.node, inner
        return None

    def local_class(self, qualname: str) -> Scope | None:
        for binding in self.definition(qualname):
            if binding.kind == "class" and isinstance(binding.node, ast.ClassDef):
                return binding.scope.module.classes.get(binding.node.name)
        return None

    def attribute_bindings(self, expr: ast.Attribute, scope: Scope) -> list[Binding]:
        """Bindings of self.x / cls.x / ClassName.x / instance.x / module.x."""
        owner = expr.value
        if isinstance(owner, ast.Name):
            function: Scope | None = scope
            while function is not None and function.kind != "function":
                function = function.parent
            while function is not None and function.kind == "function":
                if function.self_name == owner.id and function.class_scope is not None:
                    return self._class_member(function.class_scope, expr.attr)
                function = function.parent
        qualname = self.qualname(expr, scope)
        if qualname is not None:
            found = self.definition(qualname)
            if found:
                return found
        instance = self.instance(owner, scope)
        if instance is not None and instance.local_class is not None:
            return self._class_member(instance.local_class, expr.attr)
        return []

    def _class_member(self, class_scope: Scope, name: str) -> list[Binding]:
        return self._reaching(class_scope.bindings.get(name, []) + class_scope.attributes.get(name, []), None)

    # --- objects -----------------------------------------------------------------------

    def instance(self, expr: ast.expr, scope: Scope) -> Instance | None:
        key = id(expr)
        if key in self._instances:
            return self._instances[key]
        if self._instance_depth >= MAX_DEPTH:
            return None
        self._instances[key] = None  # breaks cycles such as `client = client or OpenAI()`
        self._instance_depth += 1
        try:
            result = self._instance(expr, scope)
        finally:
            self._instance_depth -= 1
        self._instances[key] = result
        return result

    def _instance(self, expr: ast.expr, scope: Scope) -> Instance | None:
        if isinstance(expr, ast.Await | ast.NamedExpr):
            return self.instance(expr.value, scope)
        if isinstance(expr, ast.BoolOp):
            for value in expr.values:
                found = self.instance(value, scope)
                if found is not None:
                    return found
            return None
        if isinstance(expr, ast.Call):
            return self._instance_of_call(expr, scope)
        if isinstance(expr, ast.Name):
            bindings = self.lookup(expr.id, scope, position_of(expr))
        elif isinstance(expr, ast.Attribute):
            bindings = self.attribute_bindings(expr, scope)
        else:
            return None
        for binding in reversed(bindings):
            found = self._instance_of_binding(binding)
            if found is not None:
                return found
        return None

    def _instance_of_binding(self, binding: Binding) -> Instance | None:
        if binding.kind in ("value", "with") and binding.value is not None:
            return self.instance(binding.value, binding.scope)
        if binding.kind == "import" and binding.qualname:
            # `from app.config import settings`: the object made in the other module
            for target in self.definition(binding.qualname):
                if target.kind in ("value", "with") and target.value is not None:
                    found = self.instance(target.value, target.scope)
                    if found is not None:
                        return found
            return None
        if binding.kind == "param" and binding.param is not None and binding.param.annotation is not None:
            annotation = _unwrap_optional(binding.param.annotation)
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:
                    annotation = ast.parse(annotation.value, mode="eval").body
                except SyntaxError:
                    return None
            qualname = self.qualname(annotation, binding.scope)
            if qualname is not None and not qualname.startswith("builtins."):
                return Instance(qualname, None, None, self.local_class(qualname))
        if binding.kind == "param" and binding.param is not None:
            return self._instance_passed(binding)
        return None

    def _instance_passed(self, binding: Binding) -> Instance | None:
        """A client handed to a function (`create_issue(session, ...)`): what its callers pass in."""
        assert binding.param is not None
        call_sites = self.call_sites(binding)
        if len(call_sites) > MAX_CALL_SITES:
            return None
        for call, caller_scope, is_method in call_sites:
            argument = next((k.value for k in call.keywords if k.arg == binding.name), None)
            index = binding.param.index - (1 if is_method else 0)
            if argument is None and 0 <= index < len(call.args) and binding.param.index >= 0:
                argument = call.args[index]
            if argument is not None and not isinstance(argument, ast.Starred):
                found = self.instance(argument, caller_scope)
                if found is not None:
                    return found
        return None

    def _instance_of_call(self, call: ast.Call, scope: Scope) -> Instance | None:
        function = self.called_function(call, scope)
        if function is not None:
            return self._instance_returned(function)
        qualname = self.qualname(call.func, scope)
        if qualname in CLIENT_WRAPPERS and call.args:
            return self.instance(call.args[0], scope)
        if qualname is not None:
            return Instance(qualname, call, scope, self.local_class(qualname))
        if isinstance(call.func, ast.Attribute):
            owner = self.instance(call.func.value, scope)
            if owner is None:
                return None
            if owner.local_class is not None:
                method = self._method(owner.local_class, call.func.attr)
                return self._instance_returned(method) if method else None
            return Instance(f"{owner.type}.{call.func.attr}", call, scope)
        return None

    def _method(self, class_scope: Scope, name: str) -> tuple[FunctionNode, Scope] | None:
        for binding in class_scope.bindings.get(name, []):
            if binding.kind == "def" and isinstance(binding.node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = class_scope.module.scope_of_function.get(id(binding.node))
                if inner is not None:
                    return binding.node, inner
        return None

    def function_returns(self, node: FunctionNode) -> list[ast.expr]:
        if id(node) not in self._returns:
            self._returns[id(node)] = _function_returns(node)
        return self._returns[id(node)]

    def _instance_returned(self, function: tuple[FunctionNode, Scope]) -> Instance | None:
        node, inner = function
        for returned in self.function_returns(node):
            found = self.instance(returned, inner)
            if found is not None:
                return found
        return None

    def called_function(self, call: ast.Call, scope: Scope) -> tuple[FunctionNode, Scope] | None:
        """The function in the analysed sources that a call runs, if it names one directly."""
        if isinstance(call.func, ast.Name):
            for binding in reversed(self.lookup(call.func.id, scope, position_of(call.func))):
                if binding.kind == "def" and isinstance(binding.node, ast.FunctionDef | ast.AsyncFunctionDef):
                    inner = binding.scope.module.scope_of_function.get(id(binding.node))
                    return (binding.node, inner) if inner is not None else None
        qualname = self.qualname(call.func, scope)
        return self.local_function(qualname) if qualname is not None else None

    def returns_of(self, call: ast.Call, scope: Scope) -> list[tuple[ast.expr, Scope]]:
        function = self.called_function(call, scope)
        if function is None:
            return []
        node, inner = function
        return [(value, inner) for value in self.function_returns(node)]

    def call_target(self, call: ast.Call, scope: Scope) -> tuple[str | None, Instance | None, str]:
        """(qualified name of the callee, or the instance a method is called on and the method path)."""
        qualname = self.qualname(call.func, scope)
        if qualname is not None and not self.definition(qualname) and not self._is_local_object(qualname):
            return qualname, None, ""
        chain: list[str] = []
        current: ast.expr = call.func
        while isinstance(current, ast.Attribute):
            chain.append(current.attr)
            current = current.value
            instance = self.instance(current, scope)
            if instance is not None:
                return None, instance, ".".join(reversed(chain))
        return qualname, None, ""

    def _is_local_object(self, qualname: str) -> bool:
        """llm_client.client.chat.completions.create: a method of an object made in an analysed module."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.by_name.get(".".join(parts[:cut]))
            if module is not None:
                return parts[cut] in module.scope.bindings and cut < len(parts) - 1
        return False

    # --- values flowing in -------------------------------------------------------------

    def resolve_node(self, expr: ast.expr, scope: Scope, depth: int = 0) -> tuple[ast.expr, Scope]:
        """Follow a name to the single expression it was assigned (for dicts and lists), through
        imports and constant keys: CONFIG["llm"] with CONFIG imported from config.py."""
        if depth > 8:
            return expr, scope
        if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
            container, container_scope = self.resolve_node(expr.value, scope, depth + 1)
            if isinstance(container, ast.Dict):
                for key, value in zip(container.keys, container.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == expr.slice.value:
                        return self.resolve_node(value, container_scope, depth + 1)
            return expr, scope
        if not isinstance(expr, ast.Name | ast.Attribute):
            return expr, scope
        if isinstance(expr, ast.Name):
            bindings = self.lookup(expr.id, scope, position_of(expr))
        else:
            bindings = self.attribute_bindings(expr, scope)
        if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualname:
            bindings = self.definition(bindings[0].qualname)
        if len(bindings) == 1 and bindings[0].kind == "value" and bindings[0].value is not None:
            return self.resolve_node(bindings[0].value, bindings[0].scope, depth + 1)
        return expr, scope

    def call_sites(self, binding: Binding) -> list[tuple[ast.Call, Scope, bool]]:
        """Calls of the function that declares a parameter: (call, caller scope, called as a method)."""
        param = binding.param
        if param is None:
            return []
        key = id(param.function)
        if key not in self._call_sites:
            self._call_sites[key] = self._find_call_sites(param.function, binding.scope)
        return self._call_sites[key]

    def calls_named(self, name: str) -> list[tuple[ast.Call, Scope]]:
        """Every call in the sources whose callee is `name` or `something.name`."""
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for module in self.modules:
                for call, scope in module.calls:
                    callee = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                    if callee:
                        self._calls_by_name.setdefault(callee, []).append((call, scope))
        return self._calls_by_name.get(name, [])

    def _find_call_sites(self, function: FunctionNode, inner: Scope) -> list[tuple[ast.Call, Scope, bool]]:
        found: list[tuple[ast.Call, Scope, bool]] = []
        defining = inner.parent
        for call, scope in self.calls_named(function.name):
            if isinstance(call.func, ast.Name) and defining is not None and defining.kind != "class":
                targets = self.lookup(call.func.id, scope, position_of(call.func))
                if any(b.node is function for b in targets) or any(
                    b.kind == "import" and b.qualname and self.local_function(b.qualname) == (function, inner)
                    for b in targets
                ):
                    found.append((call, scope, False))
            elif (
                isinstance(call.func, ast.Attribute)
                and inner.class_scope is not None
                and self._is_own_method_call(call.func, scope, inner.class_scope)
            ):
                found.append((call, scope, True))
        return found

    def _is_own_method_call(self, func: ast.Attribute, scope: Scope, class_scope: Scope) -> bool:
        owner = func.value
        if isinstance(owner, ast.Name):
            current: Scope | None = scope
            while current is not None and current.kind == "function":
                if current.self_name == owner.id:
                    return current.class_scope is class_scope
                current = current.parent
        instance = self.instance(owner, scope)
        return instance is not None and instance.local_class is class_scope
