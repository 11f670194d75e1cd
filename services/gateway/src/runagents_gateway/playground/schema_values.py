"""Build a small value that satisfies a JSON schema, for tool arguments and structured replies.

Objects get their required properties, plus any optional message-like string property
(message, text, input, query, ...). Message-like strings receive `fill_text`; other strings a
placeholder derived from the property name; numbers 1 (moved into range if bounded); booleans
true; enums and consts their first value; arrays `minItems` copies of one item.
"""

import re
from dataclasses import dataclass
from typing import Any

from runagents_gateway.playground.text import words

MESSAGE_LIKE_NAMES: frozenset[str] = frozenset(
    {"message", "text", "input", "query", "content", "prompt", "question", "q", "reply", "answer", "response",
     "summary", "explanation", "result", "output", "reasoning"}
)
FORMAT_EXAMPLES: dict[str, str] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
MAX_DEPTH = 8


@dataclass(frozen=True)
class _FillContext:
    root: dict[str, Any]
    fill_text: str


def is_message_like(property_name: str) -> bool:
    """True for names such as `message`, `user_query` or `searchText`."""
    return any(word in MESSAGE_LIKE_NAMES for word in words(property_name))


def placeholder_for(property_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", property_name.lower()).strip("-")
    return f"sample-{slug or 'value'}"


def fill_schema(schema: dict[str, Any], *, fill_text: str) -> Any:
    """A value matching `schema`; `$ref`s into its own `$defs`/`definitions` are followed."""
    return _value_for(schema, "", _FillContext(root=schema, fill_text=fill_text), depth=0)


def _value_for(schema: Any, property_name: str, context: _FillContext, depth: int) -> Any:
    schema = _resolve_ref(schema, context.root)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    variant = _first_variant(schema)
    if variant is not None:
        return _value_for(variant, property_name, context, depth + 1)
    schema_type = _primary_type(schema, context.root)
    if schema_type == "object":
        return _object_for(schema, context, depth)
    if schema_type == "array":
        min_items = schema.get("minItems")
        count = min_items if isinstance(min_items, int) else 0
        return [_value_for(schema.get("items", {}), property_name, context, depth + 1)] * count
    if schema_type in ("integer", "number"):
        return _number_for(schema, integer=schema_type == "integer")
    if schema_type == "boolean":
        return True
    if schema_type == "null":
        return None
    return _string_for(schema, property_name, context)


def _object_for(schema: dict[str, Any], context: _FillContext, depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = set(schema.get("required") or [])
    filled: dict[str, Any] = {}
    for name, property_schema in properties.items():
        wanted = name in required or (
            is_message_like(name) and _primary_type(property_schema, context.root) == "string"
        )
        if wanted:
            filled[name] = _value_for(property_schema, name, context, depth + 1)
    return filled


def _string_for(schema: dict[str, Any], property_name: str, context: _FillContext) -> str:
    example = FORMAT_EXAMPLES.get(str(schema.get("format", "")))
    if example is not None:
        return example
    text = context.fill_text if is_message_like(property_name) or not property_name else placeholder_for(property_name)
    return _within_length(text, schema)


def _within_length(text: str, schema: dict[str, Any]) -> str:
    max_length, min_length = schema.get("maxLength"), schema.get("minLength")
    if isinstance(max_length, int) and len(text) > max_length:
        text = text[:max_length]
    if isinstance(min_length, int) and len(text) < min_length:
        text = text + "x" * (min_length - len(text))
    return text


def _number_for(schema: dict[str, Any], *, integer: bool) -> int | float:
    value: int | float = 1
    if isinstance(schema.get("minimum"), int | float) and schema["minimum"] > value:
        value = schema["minimum"]
    if isinstance(schema.get("exclusiveMinimum"), int | float) and schema["exclusiveMinimum"] >= value:
        value = schema["exclusiveMinimum"] + 1
    if isinstance(schema.get("maximum"), int | float) and schema["maximum"] < value:
        value = schema["maximum"]
    if isinstance(schema.get("exclusiveMaximum"), int | float) and schema["exclusiveMaximum"] <= value:
        value = schema["exclusiveMaximum"] - 1
    return int(value) if integer and float(value).is_integer() else value


def _first_variant(schema: dict[str, Any]) -> Any:
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) > 1:
        return _merged(all_of, {key: value for key, value in schema.items() if key != "allOf"})
    for key in ("anyOf", "oneOf", "allOf"):
        variants = schema.get(key)
        if isinstance(variants, list) and variants:
            not_null = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
            return (not_null or variants)[0]
    return None


def _merged(parts: list[Any], base: dict[str, Any]) -> dict[str, Any]:
    """allOf's parts as one object schema: their properties and required names together."""
    merged: dict[str, Any] = {**base, "properties": dict(base.get("properties") or {}),
                              "required": list(base.get("required") or [])}
    for part in parts:
        if isinstance(part, dict):
            merged["properties"].update(part.get("properties") or {})
            merged["required"].extend(part.get("required") or [])
            merged.setdefault("type", part.get("type", "object"))
    return merged


def _primary_type(schema: Any, root: dict[str, Any]) -> str:
    schema = _resolve_ref(schema, root)
    if not isinstance(schema, dict):
        return "string"
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "null")
    if isinstance(declared, str):
        return declared
    variant = _first_variant(schema)
    if variant is not None:
        return _primary_type(variant, root)
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _resolve_ref(schema: Any, root: dict[str, Any]) -> Any:
    seen: set[str] = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"] not in seen:
        reference = schema["$ref"]
        seen.add(reference)
        schema = _lookup_pointer(root, reference)
    return schema


def _lookup_pointer(root: dict[str, Any], reference: str) -> Any:
    if not reference.startswith("#"):
        return {}
    target: Any = root
    for part in reference.lstrip("#").strip("/").split("/"):
        if not part:
            continue
        if not isinstance(target, dict):
            return {}
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
    return target
