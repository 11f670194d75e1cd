"""What each TypeScript/JavaScript file binds: constants, class fields, imports and requires."""

from tree_sitter import Node

from .tier import JsImport
from .ts_parse import ParsedJs, line_of, text_of
from .ts_values import ImportedName, JsModule, call_arguments, dotted_name, unquote


def build_module(parsed: ParsedJs) -> tuple[JsModule, list[JsImport]]:
    module = JsModule(parsed)
    imports: list[JsImport] = []
    captures = parsed.captures
    for declarator in captures.get("declarator", []):
        name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        if name is not None and value is not None and name.type == "identifier":
            module.bind(text_of(name), value, declarator)
    for assignment in captures.get("assignment", []):
        left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
        target = dotted_name(left)
        if target is not None and right is not None and target.startswith("this.") and target.count(".") == 1:
            module.bind(target, right, assignment)
    for definition in captures.get("field", []):
        name = definition.child_by_field_name("property") or definition.child_by_field_name("name")
        value = definition.child_by_field_name("value")
        if name is not None and value is not None:
            module.bind("this." + text_of(name), value, definition)
    for statement in captures.get("import", []):
        source = statement.child_by_field_name("source")
        if source is not None and not _type_only(statement):
            imports.append(JsImport(unquote(source), parsed.path, line_of(statement)))
            _import_names(module, statement, unquote(source))
    for statement in captures.get("export", []):
        source = statement.child_by_field_name("source")
        if source is not None:
            imports.append(JsImport(unquote(source), parsed.path, line_of(statement)))
    for call in captures.get("call", []):
        required = required_module(call)
        if required is not None:
            imports.append(JsImport(required, parsed.path, line_of(call)))
            _require_names(module, call, required)
    imports.sort(key=lambda i: i.line)
    return module, imports


def _type_only(statement: Node) -> bool:
    """`import type { X } from "m"` is erased at compile time: no runtime package, no framework."""
    second = statement.child(1)
    return second is not None and second.type == "type"


def required_module(call: Node) -> str | None:
    """The module of `require("x")` or `import("x")` with a literal specifier."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type not in ("identifier", "import") or text_of(callee) not in ("require", "import"):
        return None
    arguments = call_arguments(call)
    if len(arguments) >= 1 and arguments[0].type == "string":
        return unquote(arguments[0])
    return None


def _import_names(module: JsModule, statement: Node, source: str) -> None:
    for clause in statement.named_children:
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                module.imported[text_of(part)] = ImportedName(source, "default")
            elif part.type == "namespace_import":
                for name in part.named_children:
                    module.imported[text_of(name)] = ImportedName(source, "*")
            elif part.type == "named_imports":
                for specifier in part.named_children:
                    if specifier.type != "import_specifier":
                        continue
                    original = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias") or original
                    module.imported[text_of(alias)] = ImportedName(source, text_of(original))


def _require_names(module: JsModule, call: Node, source: str) -> None:
    """const x = require("m"), const { a, b: c } = require("m"), const x = require("m").default."""
    node, exported = call, "default"
    parent = node.parent
    if parent is not None and parent.type == "member_expression":
        exported = text_of(parent.child_by_field_name("property"))
        node, parent = parent, parent.parent
    if parent is None or parent.type != "variable_declarator":
        return
    target = parent.child_by_field_name("name")
    if target is None:
        return
    if target.type == "identifier":
        module.imported[text_of(target)] = ImportedName(source, exported)
    elif target.type == "object_pattern":
        for entry in target.named_children:
            if entry.type == "shorthand_property_identifier_pattern":
                module.imported[text_of(entry)] = ImportedName(source, text_of(entry))
            elif entry.type == "pair_pattern":
                key, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
                if key is not None and value is not None and value.type == "identifier":
                    module.imported[text_of(value)] = ImportedName(source, text_of(key))
