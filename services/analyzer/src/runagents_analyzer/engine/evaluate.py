"""Constant propagation for strings: what text an expression can hold, with unknown parts named."""

import ast
import string
from itertools import product
from urllib.parse import urljoin

from .linear_regex import compile_linear
from .project import MAX_DEPTH, Project
from .scopes import Binding, Scope, position_of
from .values import Origin, StrValue, join_values

MAX_VALUES = 8
MAX_CALL_SITES = 16
"""A parameter of a function called from more places than this is a utility, not a configuration point."""
ENV_GETTERS = frozenset(
    {"os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config", "os.environ.__getitem__"}
)
URL_JOINERS = frozenset({"urllib.parse.urljoin", "requests.compat.urljoin", "urlparse.urljoin"})
PERCENT_FIELD = compile_linear(r"%(?:\([^)]*\))?[-#0 +]*\p{Nd}*(?:\.\p{Nd}+)?[sdrifxXeEgGc]")
STRIP_METHODS = frozenset({"rstrip", "lstrip", "strip", "removesuffix", "removeprefix"})


def label_of(expr: ast.expr, depth: int = 0) -> str:
    """A short readable name for an unknown value: `user_id`, `self.base_url`, `get_url()`."""
    if depth > 6:
        return "..."
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return f"{label_of(expr.value, depth + 1)}.{expr.attr}"
    if isinstance(expr, ast.Call):
        return f"{label_of(expr.func, depth + 1)}()"
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        shown = repr(key.value) if isinstance(key, ast.Constant) else label_of(key, depth + 1)
        return f"{label_of(expr.value, depth + 1)}[{shown}]"
    if isinstance(expr, ast.Constant):
        return repr(expr.value)[:40]
    return type(expr).__name__.lower()


def tool_env_name(tool: str) -> str:
    return "TOOL_URL_" + tool.upper().replace("-", "_")


def _dedupe(values: list[StrValue]) -> list[StrValue]:
    if len(values) < 2:
        return values
    return list(dict.fromkeys(values))[:MAX_VALUES]


def _products(groups: list[list[StrValue]]) -> list[StrValue]:
    combined: list[StrValue] = []
    for combination in product(*groups):
        combined.append(join_values(list(combination)))
        if len(combined) >= MAX_VALUES:
            break
    return combined


class Evaluator:
    def __init__(self, project: Project, *, follow_parameters: bool = True) -> None:
        """follow_parameters: resolve a parameter from the arguments at its function's call sites."""
        self.project = project
        self.follow_parameters = follow_parameters
        self._memo: dict[int, list[StrValue]] = {}
        self._active: set[int] = set()

    def value(self, expr: ast.expr, scope: Scope, depth: int = 0) -> StrValue:
        return self.values(expr, scope, depth)[0]

    def values(self, expr: ast.expr, scope: Scope, depth: int = 0) -> list[StrValue]:
        key = id(expr)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or depth > MAX_DEPTH:
            return [StrValue.unknown(label_of(expr))]
        self._active.add(key)
        try:
            result = _dedupe(self._evaluate(expr, scope, depth + 1)) or [StrValue.unknown(label_of(expr))]
        finally:
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _evaluate(self, expr: ast.expr, scope: Scope, depth: int) -> list[StrValue]:
        if isinstance(expr, ast.Constant):
            return self._constant(expr)
        if isinstance(expr, ast.JoinedStr):
            return _products([self.values(part, scope, depth) for part in expr.values])
        if isinstance(expr, ast.FormattedValue | ast.Await | ast.NamedExpr):
            return self.values(expr.value, scope, depth)
        if isinstance(expr, ast.BinOp):
            return self._binary(expr, scope, depth)
        if isinstance(expr, ast.Name):
            return self._name(expr, scope, depth)
        if isinstance(expr, ast.Attribute):
            bindings = self.project.attribute_bindings(expr, scope)
            return (self._from_bindings(bindings, expr.attr, depth) or self._cli_option(expr, scope, depth)
                    or [StrValue.unknown(label_of(expr))])
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, scope, depth)
        if isinstance(expr, ast.Call):
            return self._call(expr, scope, depth)
        if isinstance(expr, ast.IfExp):
            return self.values(expr.body, scope, depth) + self.values(expr.orelse, scope, depth)
        if isinstance(expr, ast.BoolOp):
            return self._bool_op(expr, scope, depth)
        return [StrValue.unknown(label_of(expr))]

    @staticmethod
    def _constant(expr: ast.Constant) -> list[StrValue]:
        value = expr.value
        if isinstance(value, str):
            return [StrValue.literal(value)]
        if isinstance(value, bytes):
            return [StrValue.literal(value.decode("latin-1"))]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [StrValue.literal(str(value))]
        return [StrValue.unknown(repr(value))]

    def _binary(self, expr: ast.BinOp, scope: Scope, depth: int) -> list[StrValue]:
        if isinstance(expr.op, ast.Add):
            return _products([self.values(expr.left, scope, depth), self.values(expr.right, scope, depth)])
        if isinstance(expr.op, ast.Mod):
            arguments = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
            return [
                self._percent_format(template, [self.value(a, scope, depth) for a in arguments])
                for template in self.values(expr.left, scope, depth)
            ]
        return [StrValue.unknown(label_of(expr))]

    @staticmethod
    def _percent_format(template: StrValue, arguments: list[StrValue]) -> StrValue:
        if not template.is_known:
            return template
        pieces: list[StrValue] = []
        text = template.render()
        cursor, index = 0, 0
        for match in PERCENT_FIELD.finditer(text):
            pieces.append(StrValue.literal(text[cursor : match.start()]))
            pieces.append(arguments[index] if index < len(arguments) else StrValue.unknown("arg"))
            cursor, index = match.end(), index + 1
        pieces.append(StrValue.literal(text[cursor:]))
        return join_values(pieces)

    def _name(self, expr: ast.Name, scope: Scope, depth: int) -> list[StrValue]:
        bindings = self.project.lookup(expr.id, scope, position_of(expr))
        return self._from_bindings(bindings, expr.id, depth) or [StrValue.unknown(expr.id)]

    def _from_bindings(self, bindings: list[Binding], name: str, depth: int) -> list[StrValue]:
        found: list[StrValue] = []
        for binding in bindings:
            found.extend(self._binding_values(binding, depth))
        return [value.with_origin(Origin("name", name), override=False) for value in found]

    def _binding_values(self, binding: Binding, depth: int) -> list[StrValue]:
        if depth > MAX_DEPTH:
            return [StrValue.unknown(binding.name)]
        if binding.kind == "value" and binding.value is not None:
            return self.values(binding.value, binding.scope, depth)
        if binding.kind == "param":
            return self._parameter(binding, depth)
        if binding.kind == "import" and binding.qualname:
            return self._from_bindings(self.project.definition(binding.qualname), binding.name, depth + 1)
        return [StrValue.unknown(binding.name)]

    def _parameter(self, binding: Binding, depth: int) -> list[StrValue]:
        param = binding.param
        assert param is not None
        found: list[StrValue] = []
        missing = False
        call_sites = self.project.call_sites(binding) if self.follow_parameters else []
        for call, caller_scope, is_method in call_sites if len(call_sites) <= MAX_CALL_SITES else []:
            argument = _argument(call, binding.name, param.index - (1 if is_method else 0))
            if argument is None:
                missing = True
            elif not isinstance(argument, ast.Starred):
                found.extend(self.values(argument, caller_scope, depth))
        if (missing or not found) and param.default is not None and binding.scope.parent is not None:
            found.extend(self.values(param.default, binding.scope.parent, depth))
        known = [value for value in found if value.has_known_text]
        return known or [StrValue.unknown(binding.name)]

    def _subscript(self, expr: ast.Subscript, scope: Scope, depth: int) -> list[StrValue]:
        key = self.value(expr.slice, scope, depth)
        owner = expr.value
        if self.project.qualname(owner, scope) == "os.environ" and key.is_known:
            return [self._environment(key.render(), None, scope, depth)]
        if isinstance(owner, ast.Attribute) and owner.attr == "tools" and key.is_known:
            return [self._tool(key.render())]
        resolved, resolved_scope = self.project.resolve_node(expr, scope)
        if resolved is not expr:
            return self.values(resolved, resolved_scope, depth)
        container, container_scope = self.project.resolve_node(owner, scope)
        if isinstance(container, ast.Dict) and key.is_known:
            for dict_key, dict_value in zip(container.keys, container.values, strict=True):
                if isinstance(dict_key, ast.Constant) and dict_key.value == key.render():
                    return self.values(dict_value, container_scope, depth)
        if isinstance(container, ast.List | ast.Tuple) and isinstance(expr.slice, ast.Constant):
            index = expr.slice.value
            if isinstance(index, int) and -len(container.elts) <= index < len(container.elts):
                return self.values(container.elts[index], container_scope, depth)
        return [StrValue.unknown(label_of(expr))]

    def _environment(self, name: str, default: ast.expr | None, scope: Scope, depth: int) -> StrValue:
        origin = Origin("env", name)
        if default is None:
            return StrValue.unknown(name, origin)
        value = self.value(default, scope, depth)
        if not value.has_known_text:
            return StrValue.unknown(name, origin)
        return value.with_origin(origin, override=True)

    @staticmethod
    def _tool(name: str) -> StrValue:
        return StrValue.unknown(tool_env_name(name), Origin("tool", name))

    def _call(self, expr: ast.Call, scope: Scope, depth: int) -> list[StrValue]:
        qualname = self.project.qualname(expr.func, scope)
        if qualname in ENV_GETTERS and expr.args:
            key = self.value(expr.args[0], scope, depth)
            default = expr.args[1] if len(expr.args) > 1 else _keyword(expr, "default")
            if key.is_known:
                return [self._environment(key.render(), default, scope, depth)]
        if qualname == "builtins.str" and expr.args:
            return self.values(expr.args[0], scope, depth)
        if qualname in URL_JOINERS and len(expr.args) == 2:
            groups = [self.values(expr.args[0], scope, depth), self.values(expr.args[1], scope, depth)]
            return [_url_join(base, path) for base, path in product(*groups)][:MAX_VALUES]
        func = expr.func
        if _is_tools_get(func) and expr.args:
            key = self.value(expr.args[0], scope, depth)
            if key.is_known:
                return [self._tool(key.render())]
        if isinstance(func, ast.Attribute):
            method = self._string_method(expr, func, scope, depth)
            if method is not None:
                return method
        returns = self.project.returns_of(expr, scope)
        if returns:
            return [v for value, inner in returns for v in self.values(value, inner, depth)]
        return [StrValue.unknown(label_of(expr))]

    def _cli_option(self, expr: ast.Attribute, scope: Scope, depth: int) -> list[StrValue]:
        """args.model after args = parser.parse_args(): the default of add_argument("--model")."""
        owner = self.project.instance(expr.value, scope)
        if owner is None or not owner.type.endswith("ArgumentParser.parse_args"):
            return []
        flags = {expr.attr, "--" + expr.attr, "--" + expr.attr.replace("_", "-")}
        found: list[StrValue] = []
        for call, call_scope in self.project.calls_named("add_argument"):
            names = {a.value for a in call.args if isinstance(a, ast.Constant)}
            dest = _keyword(call, "dest")
            default = _keyword(call, "default")
            named = bool(names & flags) or (isinstance(dest, ast.Constant) and dest.value == expr.attr)
            if named and default is not None:
                found.extend(self.values(default, call_scope, depth))
        return found

    def _string_method(self, expr: ast.Call, func: ast.Attribute, scope: Scope,
                       depth: int) -> list[StrValue] | None:
        if func.attr in STRIP_METHODS:
            chars = self.value(expr.args[0], scope, depth) if expr.args else StrValue.literal(" \t\n")
            if not chars.is_known:
                return None
            return [_strip(v, func.attr, chars.render()) for v in self.values(func.value, scope, depth)]
        if func.attr == "format":
            templates = self.values(func.value, scope, depth)
            return [self._str_format(t, expr, scope, depth) for t in templates]
        if func.attr == "join" and len(expr.args) == 1:
            separator = self.value(func.value, scope, depth)
            items, items_scope = self.project.resolve_node(expr.args[0], scope)
            if separator.is_known and isinstance(items, ast.List | ast.Tuple):
                pieces: list[StrValue] = []
                for index, item in enumerate(items.elts):
                    if index:
                        pieces.append(separator)
                    pieces.append(self.value(item, items_scope, depth))
                return [join_values(pieces)]
        return None

    def _str_format(self, template: StrValue, expr: ast.Call, scope: Scope, depth: int) -> StrValue:
        if not template.is_known:
            return template
        pieces: list[StrValue] = []
        auto_index = 0
        try:
            fields = list(string.Formatter().parse(template.render()))
        except ValueError:
            return template
        for literal, field_name, _spec, _conversion in fields:
            pieces.append(StrValue.literal(literal))
            if field_name is None:
                continue
            argument: ast.expr | None
            if field_name == "":
                argument = expr.args[auto_index] if auto_index < len(expr.args) else None
                auto_index += 1
            elif field_name.isdigit():
                index = int(field_name)
                argument = expr.args[index] if index < len(expr.args) else None
            else:
                argument = _keyword(expr, field_name)
            if argument is None or isinstance(argument, ast.Starred):
                pieces.append(StrValue.unknown(field_name or "arg"))
            else:
                pieces.append(self.value(argument, scope, depth))
        return join_values(pieces)

    def _bool_op(self, expr: ast.BoolOp, scope: Scope, depth: int) -> list[StrValue]:
        if isinstance(expr.op, ast.And):
            return self.values(expr.values[-1], scope, depth)
        first = self.values(expr.values[0], scope, depth)
        rest = expr.values[1:]
        if not rest:
            return first
        remaining = rest[0] if len(rest) == 1 else ast.BoolOp(op=ast.Or(), values=rest)
        env_only = [v for v in first if len(v.parts) == 1 and not v.parts[0].known and v.parts[0].origin]
        if env_only and len(env_only) == len(first):
            origin = env_only[0].parts[0].origin
            assert origin is not None
            defaults = [v for v in self.values(remaining, scope, depth) if v.has_known_text]
            if defaults:
                return [v.with_origin(origin, override=True) for v in defaults]
            return first
        if any(v.has_known_text for v in first):
            return first
        return first + self.values(remaining, scope, depth)


def _is_tools_get(func: ast.expr) -> bool:
    """context.tools.get("name"): the runtime's map of tool name to URL."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "tools"
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _argument(call: ast.Call, name: str, index: int) -> ast.expr | None:
    keyword = _keyword(call, name)
    if keyword is not None:
        return keyword
    if 0 <= index < len(call.args):
        return call.args[index]
    return None


def _strip(value: StrValue, method: str, chars: str) -> StrValue:
    if not value.parts:
        return value
    if method in ("rstrip", "strip", "removesuffix") and value.parts[-1].known:
        text = value.parts[-1].text
        stripped = text.removesuffix(chars) if method == "removesuffix" else text.rstrip(chars)
        value = value.map_known_text(len(value.parts) - 1, stripped)
    if value.parts and method in ("lstrip", "strip", "removeprefix") and value.parts[0].known:
        text = value.parts[0].text
        stripped = text.removeprefix(chars) if method == "removeprefix" else text.lstrip(chars)
        value = value.map_known_text(0, stripped)
    return value


def _url_join(base: StrValue, path: StrValue) -> StrValue:
    leading = 0
    while leading < len(path.parts) and path.parts[leading].known:
        leading += 1
    prefix = "".join(part.text for part in path.parts[:leading])
    if "://" in prefix:
        return path
    if not base.is_known:
        return base.concat(path)
    base_text = base.render()
    joined = urljoin(base_text, prefix) if prefix else base_text
    remainder = StrValue(path.parts[leading:])
    if joined.startswith(base_text):
        return base.concat(StrValue.literal(joined[len(base_text):])).concat(remainder)
    return StrValue.literal(joined).concat(remainder)
