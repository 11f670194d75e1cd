"""Statically known strings in TypeScript/JavaScript: literals, templates, `+`, `??`/`||` defaults,
process.env reads, constants (block-scoped, class fields, imported from sibling files)."""

from dataclasses import dataclass, field

from tree_sitter import Node

from .http_calls import join_base
from .ts_parse import ParsedJs, text_of
from .values import EMPTY, Origin, StrValue

SCOPE_NODES = frozenset({"program", "statement_block", "class_body", "switch_body"})
WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                      "await_expression"})
ENV_OBJECTS = frozenset({"process.env", "import.meta.env", "Bun.env", "Deno.env"})
VALUE_PRESERVING_METHODS = frozenset({"toString", "trim", "trimEnd", "trimStart", "valueOf", "normalize"})
MAX_DEPTH = 12
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


@dataclass(frozen=True, slots=True)
class Binding:
    value: Node
    scope: Node
    module: "JsModule"


@dataclass(slots=True)
class ImportedName:
    module: str
    name: str
    """The exported name: "default", "*" or an identifier."""


@dataclass(slots=True)
class JsModule:
    parsed: ParsedJs
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    imported: dict[str, ImportedName] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.parsed.path

    def bind(self, name: str, value: Node, at: Node) -> None:
        scope = enclosing_scope(at)
        if name.startswith("this."):  # a field is visible in every method of its class
            while scope.type not in ("class_body", "program") and scope.parent is not None:
                scope = enclosing_scope(scope)
        self.bindings.setdefault(name, []).append(Binding(value, scope, self))

    def top_level(self, name: str) -> Binding | None:
        return next((b for b in self.bindings.get(name, []) if b.scope.type == "program"), None)


def enclosing_scope(node: Node) -> Node:
    current = node.parent
    while current is not None and current.type not in SCOPE_NODES:
        current = current.parent
    return current if current is not None else node


def unquote(node: Node) -> str:
    text = text_of(node)
    body = text[1:-1] if len(text) >= 2 else ""
    if "\\" not in body:
        return body
    out, index = [], 0
    while index < len(body):
        if body[index] == "\\" and index + 1 < len(body):
            out.append(ESCAPES.get(body[index + 1], body[index + 1]))
            index += 2
        else:
            out.append(body[index])
            index += 1
    return "".join(out)


def label_of(node: Node, depth: int = 0) -> str:
    """A short readable name for an unknown value: `query`, `this.baseUrl`, `encodeURIComponent()`."""
    if depth > 6:
        return "..."
    if node.type in ("identifier", "this", "property_identifier", "shorthand_property_identifier"):
        return text_of(node)
    if node.type == "member_expression":
        target, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        return f"{label_of(target, depth + 1) if target else '?'}.{text_of(prop)}"
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is not None and text_of(callee) in ("encodeURIComponent", "encodeURI", "String") and arguments \
                and arguments.named_child_count == 1 and arguments.named_children[0] is not None:
            return label_of(arguments.named_children[0], depth + 1)
        return f"{label_of(callee, depth + 1) if callee else '?'}()"
    if node.type in WRAPPERS and node.named_child_count:
        return label_of(node.named_children[0], depth + 1)
    text = " ".join(text_of(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def dotted_name(node: Node | None) -> str | None:
    """`client.chat.completions.create` for a callee; None when it is not a plain name path."""
    if node is None:
        return None
    if node.type in ("identifier", "this", "super", "property_identifier"):
        return text_of(node)
    if node.type == "member_expression":
        prefix = dotted_name(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return f"{prefix}.{text_of(prop)}" if prefix is not None and prop is not None else None
    if node.type in ("non_null_expression", "parenthesized_expression") and node.named_child_count:
        return dotted_name(node.named_children[0])
    return None


def unwrap(node: Node) -> Node:
    while node.type in WRAPPERS and node.named_child_count:
        child = node.named_children[0]
        if child is None:
            break
        node = child
    return node


def call_arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [a for a in arguments.named_children if a.type != "comment"]


class JsEvaluator:
    """Values of expressions, following names to their (constant) definitions across the upload."""

    def __init__(self, modules: dict[str, JsModule]) -> None:
        self.modules = modules
        self.exported: dict[str, list[Binding]] = {}
        for module in modules.values():
            for name in module.bindings:
                binding = module.top_level(name)
                if binding is not None:
                    self.exported.setdefault(name, []).append(binding)

    def resolve(self, node: Node, module: JsModule, depth: int = 0) -> tuple[Node, JsModule]:
        """Follow an identifier (or this.field) to the expression it was last given, when constant."""
        node = unwrap(node)
        while depth < MAX_DEPTH:
            name = text_of(node) if node.type in ("identifier", "shorthand_property_identifier") else (
                dotted_name(node) if node.type == "member_expression" and text_of(node).startswith("this.") else None)
            if name is None:
                break
            binding = self.binding(name, node, module)
            if binding is None:
                break
            node, module = unwrap(binding.value), binding.module
            depth += 1
        return node, module

    def binding(self, name: str, use: Node, module: JsModule) -> Binding | None:
        candidates = module.bindings.get(name, [])
        position = use.start_byte
        visible = [b for b in candidates
                   if b.scope.start_byte <= position < b.scope.end_byte or b.scope.type == "program"]
        if visible:
            # the innermost scope wins; within it the last definition before the use
            innermost = max(visible, key=lambda b: (b.scope.start_byte, b.value.start_byte <= position,
                                                    -abs(position - b.value.start_byte)))
            return innermost
        imported = module.imported.get(name)
        if imported is not None and imported.module.startswith((".", "@/", "~/", "/")):
            original = name if imported.name in ("default", "*") else imported.name
            found = self.exported.get(original, [])
            return found[0] if found else None
        return None

    def object_property(self, node: Node | None, names: tuple[str, ...],
                        module: JsModule) -> tuple[Node, JsModule] | None:
        """The value of `name: expr` (or shorthand `name`) in an object literal, the object possibly named."""
        if node is None:
            return None
        target, owner = self.resolve(node, module)
        if target.type != "object":
            return None
        for entry in target.named_children:
            if entry.type == "pair":
                key = entry.child_by_field_name("key")
                value = entry.child_by_field_name("value")
                key_text = unquote(key) if key is not None and key.type == "string" else text_of(key)
                if key_text in names and value is not None:
                    return value, owner
            elif entry.type == "shorthand_property_identifier" and text_of(entry) in names:
                return entry, owner
        return None

    def property_value(self, node: Node | None, names: tuple[str, ...], module: JsModule) -> StrValue | None:
        found = self.object_property(node, names, module)
        return self.value(found[0], found[1]) if found else None

    def value(self, node: Node, module: JsModule, depth: int = 0) -> StrValue:
        if depth > MAX_DEPTH:
            return StrValue.unknown("...")
        node = unwrap(node)
        kind = node.type
        if kind == "string":
            return StrValue.literal(unquote(node))
        if kind == "template_string":
            return self._template(node, module, depth)
        if kind == "binary_expression":
            return self._binary(node, module, depth)
        if kind in ("member_expression", "subscript_expression"):
            return self._member(node, module, depth)
        if kind in ("identifier", "shorthand_property_identifier"):
            binding = self.binding(text_of(node), node, module)
            if binding is None:
                return StrValue.unknown(text_of(node))
            found = self.value(binding.value, binding.module, depth + 1)
            return found.with_origin(Origin("name", text_of(node)), override=False)
        if kind == "call_expression":
            return self._call(node, module, depth)
        if kind == "new_expression" and text_of(node.child_by_field_name("constructor")) == "URL":
            arguments = node.child_by_field_name("arguments")
            values = [self.value(a, module, depth + 1) for a in (arguments.named_children if arguments else [])]
            if len(values) == 2:
                return join_base(values[1], values[0])
            return values[0] if values else StrValue.unknown("URL")
        return StrValue.unknown(label_of(node))

    def _template(self, node: Node, module: JsModule, depth: int) -> StrValue:
        result = EMPTY
        for child in node.named_children:
            if child.type == "string_fragment":
                result = result.concat(StrValue.literal(text_of(child)))
            elif child.type == "escape_sequence":
                raw = text_of(child)
                result = result.concat(StrValue.literal(ESCAPES.get(raw[1:2], raw[1:])))
            elif child.type == "template_substitution" and child.named_child_count:
                result = result.concat(self.value(child.named_children[0], module, depth + 1))
        return result

    def _binary(self, node: Node, module: JsModule, depth: int) -> StrValue:
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is None or left is None or right is None:
            return StrValue.unknown(label_of(node))
        if operator.type == "+":
            return self.value(left, module, depth + 1).concat(self.value(right, module, depth + 1))
        if operator.type in ("??", "||"):
            first = self.value(left, module, depth + 1)
            origin = first.parts[0].origin if len(first.parts) == 1 and not first.parts[0].known else None
            default = self.value(right, module, depth + 1)
            if origin is not None and default.has_known_text:
                return default.with_origin(origin, override=True)
            return first if first.has_known_text else default
        return StrValue.unknown(label_of(node))

    def _member(self, node: Node, module: JsModule, depth: int) -> StrValue:
        target = node.child_by_field_name("object")
        target_text = text_of(target)
        if node.type == "member_expression":
            prop = text_of(node.child_by_field_name("property"))
        else:
            index = node.child_by_field_name("index")
            prop = unquote(index) if index is not None and index.type == "string" else ""
        if target_text in ENV_OBJECTS and prop:
            return StrValue.unknown(prop, Origin("env", prop))
        if target is not None and prop in ("href", "origin") and unwrap(target).type == "new_expression":
            return self.value(target, module, depth + 1)
        if target_text.startswith("this") and node.type == "member_expression":
            binding = self.binding(text_of(node), node, module)
            if binding is not None:
                return self.value(binding.value, binding.module, depth + 1)
        if target is not None and prop:
            found = self.object_property(target, (prop,), module)
            if found is not None:
                return self.value(found[0], found[1], depth + 1)
        return StrValue.unknown(label_of(node))

    def _call(self, node: Node, module: JsModule, depth: int) -> StrValue:
        callee = node.child_by_field_name("function")
        arguments = call_arguments(node)
        name = dotted_name(callee) or ""
        if name in ("Deno.env.get", "Netlify.env.get") and arguments and arguments[0].type == "string":
            variable = unquote(arguments[0])
            return StrValue.unknown(variable, Origin("env", variable))
        if name == "String" and len(arguments) == 1:
            return self.value(arguments[0], module, depth + 1)
        if callee is not None and callee.type == "member_expression":
            method = text_of(callee.child_by_field_name("property"))
            receiver = callee.child_by_field_name("object")
            if receiver is not None and method in VALUE_PRESERVING_METHODS:
                return self.value(receiver, module, depth + 1)
            if receiver is not None and method == "replace" and len(arguments) == 2 and \
                    arguments[0].type == "regex" and text_of(arguments[1]) in ('""', "''", "``"):
                return self.value(receiver, module, depth + 1)  # .replace(/\/$/, "")
        return StrValue.unknown(label_of(node))
