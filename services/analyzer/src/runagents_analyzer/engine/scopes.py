"""Name bindings of a Python module: which names are assigned what, where, and in which scope.

This is a flow-insensitive table plus positions, so a reader can approximate the
definitions that reach a use without executing anything."""

import ast
from dataclasses import dataclass, field
from typing import Literal

from .sources import ParsedPython

ScopeKind = Literal["module", "class", "function"]
BindingKind = Literal["value", "with", "import", "def", "class", "param", "unknown"]
Position = tuple[int, int]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(slots=True, eq=False)
class Param:
    function: FunctionNode
    index: int
    """Positional index including self; -1 for keyword-only and variadic parameters."""
    default: ast.expr | None
    annotation: ast.expr | None


@dataclass(slots=True, eq=False)
class Binding:
    name: str
    kind: BindingKind
    scope: "Scope"
    position: Position
    conditional: bool
    value: ast.expr | None = None
    qualname: str | None = None
    node: ast.AST | None = None
    param: Param | None = None


@dataclass(slots=True, eq=False)
class Scope:
    kind: ScopeKind
    name: str
    node: ast.AST
    parent: "Scope | None"
    module: "ModuleInfo"
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    attributes: dict[str, list[Binding]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    self_name: str | None = None
    class_scope: "Scope | None" = None

    def bind(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


@dataclass(slots=True)
class ImportRecord:
    module: str
    line: int
    optional: bool
    """Inside try/except ImportError or `if TYPE_CHECKING`: the code runs without it."""
    from_import: bool = False
    """The base of `from x import a`: whether x is local code is decided by its names (x.a)."""


@dataclass(slots=True, eq=False)
class ModuleInfo:
    parsed: ParsedPython
    scope: Scope = field(init=False)
    calls: list[tuple[ast.Call, Scope]] = field(default_factory=list)
    dicts: list[ast.Dict] = field(default_factory=list)
    identifiers: dict[str, int] = field(default_factory=dict)
    """Every name and attribute name used, with the first line it appears on."""
    functions: list[tuple[FunctionNode, Scope]] = field(default_factory=list)
    classes: dict[str, Scope] = field(default_factory=dict)
    imports: list[ImportRecord] = field(default_factory=list)
    star_imports: list[str] = field(default_factory=list)
    scope_of_function: dict[int, Scope] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.parsed.file.path

    @property
    def name(self) -> str:
        return self.parsed.module_name

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")


LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _child_fields(node_type: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        fields = tuple(f for f in getattr(node_type, "_fields", ()) if f not in LEAF_FIELDS)
        _CHILD_FIELDS[node_type] = fields
    return fields


def position_of(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def end_position_of(node: ast.AST) -> Position:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def absolute_module(module: ModuleInfo, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    package = module.name.split(".") if module.name else []
    if not module.is_package:
        package = package[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join([*package, *([target] if target else [])])


def _is_import_error_guard(node: ast.Try | ast.TryStar) -> bool:
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for name in names:
            if name is None or (isinstance(name, ast.Name) and name.id in {"ImportError", "ModuleNotFoundError",
                                                                            "Exception"}):
                return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ScopeBuilder:
    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.conditional_depth = 0
        self.optional_import_depth = 0

    def build(self) -> None:
        tree = self.module.parsed.tree
        scope = Scope("module", self.module.name, tree, None, self.module)
        self.module.scope = scope
        self.visit_body(tree.body, scope)
        self.module.calls.sort(key=lambda item: position_of(item[0]))

    def visit_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            self.visit_statement(statement, scope)

    def conditional_body(self, body: list[ast.stmt], scope: Scope) -> None:
        self.conditional_depth += 1
        self.visit_body(body, scope)
        self.conditional_depth -= 1

    def visit_statement(self, node: ast.stmt, scope: Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.visit_function(node, scope)
        elif isinstance(node, ast.ClassDef):
            self.visit_class(node, scope)
        elif isinstance(node, ast.Assign):
            self.visit_expression(node.value, scope)
            for target in node.targets:
                self.bind_target(target, node.value, scope, end_position_of(node))
        elif isinstance(node, ast.AnnAssign):
            self.visit_expression(node.annotation, scope)
            if node.value is not None:
                self.visit_expression(node.value, scope)
                self.bind_target(node.target, node.value, scope, end_position_of(node))
        elif isinstance(node, ast.AugAssign):
            self.visit_expression(node.value, scope)
            if isinstance(node.target, ast.Name):
                current = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node.target)
                combined = ast.copy_location(ast.BinOp(left=current, op=node.op, right=node.value), node)
                self.bind_target(node.target, combined, scope, end_position_of(node))
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.visit_expression(node.iter, scope)
            self.conditional_depth += 1
            self.bind_target(node.target, None, scope, position_of(node))
            self.visit_body(node.body, scope)
            self.visit_body(node.orelse, scope)
            self.conditional_depth -= 1
        elif isinstance(node, ast.While):
            self.visit_expression(node.test, scope)
            self.conditional_body(node.body, scope)
            self.conditional_body(node.orelse, scope)
        elif isinstance(node, ast.If):
            self.visit_if(node, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                self.visit_expression(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind_with(item, scope)
            self.visit_body(node.body, scope)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.visit_try(node, scope)
        elif isinstance(node, ast.Match):
            self.visit_expression(node.subject, scope)
            for case in node.cases:
                self.conditional_body(case.body, scope)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.visit_import(node, scope)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            scope.global_names.update(node.names if isinstance(node, ast.Global) else ())
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.visit_expression(child, scope)

    def visit_if(self, node: ast.If, scope: Scope) -> None:
        self.visit_expression(node.test, scope)
        type_only = _is_type_checking(node.test)
        self.optional_import_depth += type_only
        self.conditional_body(node.body, scope)
        self.optional_import_depth -= type_only
        self.conditional_body(node.orelse, scope)

    def visit_try(self, node: ast.Try | ast.TryStar, scope: Scope) -> None:
        guarded = _is_import_error_guard(node)
        self.optional_import_depth += guarded
        self.conditional_body(node.body, scope)
        self.optional_import_depth -= guarded
        for handler in node.handlers:
            self.conditional_body(handler.body, scope)
        self.conditional_body(node.orelse, scope)
        self.visit_body(node.finalbody, scope)

    def visit_function(self, node: FunctionNode, scope: Scope) -> None:
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        annotations = [arg.annotation for arg in arguments] + [node.returns]
        for expression in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults, *annotations]:
            if expression is not None:
                self.visit_expression(expression, scope)
        scope.bind(self.binding(node.name, "def", scope, position_of(node), node=node))
        inner = Scope("function", node.name, node, scope, self.module)
        if scope.kind == "class" and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
        ):
            inner.class_scope = scope
            positional = [*node.args.posonlyargs, *node.args.args]
            inner.self_name = positional[0].arg if positional else None
        self.bind_params(node, inner)
        self.module.functions.append((node, inner))
        self.module.scope_of_function[id(node)] = inner
        saved = self.conditional_depth
        self.conditional_depth = 0
        self.visit_body(node.body, inner)
        self.conditional_depth = saved

    def bind_params(self, node: FunctionNode, scope: Scope) -> None:
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += list(arguments.defaults)
        where = position_of(node)
        for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
            param = Param(node, index, default, arg.annotation)
            scope.bind(self.binding(arg.arg, "param", scope, where, param=param))
        for arg, kw_default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
            param = Param(node, -1, kw_default, arg.annotation)
            scope.bind(self.binding(arg.arg, "param", scope, where, param=param))
        for variadic in (arguments.vararg, arguments.kwarg):
            if variadic is not None:
                scope.bind(self.binding(variadic.arg, "unknown", scope, where))

    def visit_class(self, node: ast.ClassDef, scope: Scope) -> None:
        for expression in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit_expression(expression, scope)
        scope.bind(self.binding(node.name, "class", scope, position_of(node), node=node))
        inner = Scope("class", node.name, node, scope, self.module)
        self.module.classes.setdefault(node.name, inner)
        saved = self.conditional_depth
        self.conditional_depth = 0
        self.visit_body(node.body, inner)
        self.conditional_depth = saved

    def visit_import(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        optional = self.optional_import_depth > 0
        where = end_position_of(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.module.imports.append(ImportRecord(alias.name, node.lineno, optional))
                self.module.identifiers.setdefault(alias.name.split(".")[-1], node.lineno)
                local = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else local
                scope.bind(self.binding(local, "import", scope, where, qualname=target))
            return
        base = absolute_module(self.module, node.module, node.level)
        if node.level == 0:
            self.module.imports.append(ImportRecord(base, node.lineno, optional, from_import=True))
            for alias in node.names:
                if alias.name != "*":
                    self.module.imports.append(ImportRecord(f"{base}.{alias.name}", node.lineno, optional))
        for alias in node.names:
            if alias.name == "*":
                self.module.star_imports.append(base)
                continue
            self.module.identifiers.setdefault(alias.name, node.lineno)
            qualname = f"{base}.{alias.name}" if base else alias.name
            scope.bind(self.binding(alias.asname or alias.name, "import", scope, where, qualname=qualname))

    def bind_with(self, item: ast.withitem, scope: Scope) -> None:
        target = item.optional_vars
        if isinstance(target, ast.Name):
            where = end_position_of(item.context_expr)
            scope.bind(self.binding(target.id, "with", scope, where, value=item.context_expr))
        elif target is not None:
            self.bind_target(target, None, scope, end_position_of(item.context_expr))

    def bind_target(self, target: ast.expr, value: ast.expr | None, scope: Scope, where: Position) -> None:
        if isinstance(target, ast.Name):
            kind: BindingKind = "value" if value is not None else "unknown"
            scope.bind(self.binding(target.id, kind, scope, where, value=value))
        elif isinstance(target, ast.Tuple | ast.List):
            values: list[ast.expr | None]
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                values = list(value.elts)
            else:
                values = [None] * len(target.elts)
            for element, element_value in zip(target.elts, values, strict=True):
                self.bind_target(element, element_value, scope, where)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value, None, scope, where)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            self.bind_attribute(target, value, scope, where)

    def bind_attribute(self, target: ast.Attribute, value: ast.expr | None, scope: Scope,
                       where: Position) -> None:
        owner = target.value
        assert isinstance(owner, ast.Name)
        class_scope = scope.class_scope if scope.kind == "function" else None
        if class_scope is None or owner.id != scope.self_name:
            return
        kind: BindingKind = "value" if value is not None else "unknown"
        binding = self.binding(target.attr, kind, scope, where, value=value)
        class_scope.attributes.setdefault(target.attr, []).append(binding)

    def visit_expression(self, node: ast.expr, scope: Scope) -> None:
        # The hottest loop of the analysis: one pass per expression, dispatching on exact types.
        identifiers = self.module.identifiers
        calls = self.module.calls
        stack: list[ast.AST | None] = [node]
        while stack:
            child = stack.pop()
            if child is None:
                continue
            if type(child) is ast.Name:
                identifiers.setdefault(child.id, child.lineno)
                continue
            if type(child) is ast.Constant:
                continue
            if type(child) is ast.Attribute:
                identifiers.setdefault(child.attr, child.lineno)
            elif type(child) is ast.Call:
                calls.append((child, scope))
            elif type(child) is ast.Dict:
                self.module.dicts.append(child)
            elif type(child) is ast.NamedExpr:
                self.bind_named_expression(child, scope)
            kind = type(child)
            for name in _CHILD_FIELDS.get(kind) or _child_fields(kind):
                value = getattr(child, name)
                if type(value) is list:
                    stack.extend(value)
                elif isinstance(value, ast.AST):
                    stack.append(value)

    def bind_named_expression(self, node: ast.NamedExpr, scope: Scope) -> None:
        if isinstance(node.target, ast.Name):
            scope.bind(self.binding(node.target.id, "value", scope, end_position_of(node), value=node.value))

    def binding(self, name: str, kind: BindingKind, scope: Scope, where: Position, *,
                value: ast.expr | None = None, qualname: str | None = None, node: ast.AST | None = None,
                param: Param | None = None) -> Binding:
        conditional = self.conditional_depth > 0
        return Binding(name, kind, scope, where, conditional, value, qualname, node, param)


def build_module(parsed: ParsedPython) -> ModuleInfo:
    module = ModuleInfo(parsed)
    _ScopeBuilder(module).build()
    return module
