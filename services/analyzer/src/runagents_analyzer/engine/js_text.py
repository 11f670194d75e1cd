"""Just enough lexing of JavaScript/TypeScript text to find calls and constants with regexes:
comments blanked, strings and brackets respected."""

import bisect
import re

from .values import Origin, StrValue

IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
ENV_ACCESS = re.compile(r"""^process\.env(?:\.([A-Za-z_][\w]*)|\[\s*["'`]([^"'`]+)["'`]\s*\])$""")
REGEX_PRECEDERS = set("(,=:[!&|?{};+-*%<>~^")


def blank_comments(text: str) -> str:
    """Replace // and /* */ comments with spaces, keeping strings, regex literals and line numbers."""
    out = list(text)
    index, length = 0, len(text)
    last_significant = ""
    while index < length:
        char = text[index]
        pair = text[index : index + 2]
        if pair == "//":
            end = text.find("\n", index)
            end = length if end < 0 else end
            out[index:end] = " " * (end - index)
            index = end
            continue
        if pair == "/*":
            end = text.find("*/", index + 2)
            end = length if end < 0 else end + 2
            out[index:end] = [c if c == "\n" else " " for c in text[index:end]]
            index = end
            continue
        if char in "\"'`" or (char == "/" and last_significant in REGEX_PRECEDERS | {""}):
            index = skip_literal(text, index)
            last_significant = char
            continue
        if not char.isspace():
            last_significant = char
        index += 1
    return "".join(out)


def skip_literal(text: str, start: int) -> int:
    """Index just after the string, template or regex literal that starts at `start`."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n" and quote in "\"'/":
            return index
        index += 1
    return index


def matching_close(text: str, open_index: int) -> int:
    """Index of the bracket closing the one at open_index (or len(text))."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[text[open_index]]]
    index = open_index + 1
    while index < len(text) and stack:
        char = text[index]
        if char in "\"'`":
            index = skip_literal(text, index)
            continue
        if char in pairs:
            stack.append(pairs[char])
        elif char == stack[-1]:
            stack.pop()
        index += 1
    return index - 1


def split_top_level(text: str, separator: str) -> list[str]:
    pieces: list[str] = []
    depth, start, index = 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            index = skip_literal(text, index)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            pieces.append(text[start:index])
            start = index + len(separator)
            index = start
            continue
        index += 1
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces]


def object_property(object_text: str, names: tuple[str, ...]) -> str | None:
    """The expression text of `name: expr` at the top level of an object literal."""
    body = object_text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    for entry in split_top_level(body, ","):
        key, found, value = entry.partition(":")
        if found and key.strip().strip("\"'") in names:
            return value.strip()
        if not found and entry.strip() in names:
            return entry.strip()  # shorthand { model }
    return None


class LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


class JsEvaluator:
    """Strings from literals, templates, `+`, process.env and module constants."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants

    def value(self, expression: str, depth: int = 0) -> StrValue:
        expression = expression.strip().rstrip(";").strip()
        if depth > 12 or not expression:
            return StrValue.unknown(expression or "?")
        for operator in ("??", "||"):
            alternatives = split_top_level(expression, operator)
            if len(alternatives) > 1:
                return self._fallback(alternatives, depth)
        pieces = split_top_level(expression, "+")
        if len(pieces) > 1:
            result = StrValue(())
            for piece in pieces:
                result = result.concat(self.value(piece, depth + 1))
            return result
        return self._single(expression, depth)

    def _fallback(self, alternatives: list[str], depth: int) -> StrValue:
        first = self.value(alternatives[0], depth + 1)
        origin = first.parts[0].origin if len(first.parts) == 1 and not first.parts[0].known else None
        default = self.value(alternatives[1], depth + 1)
        if origin is not None and default.has_known_text:
            return default.with_origin(origin, override=True)
        return first if first.has_known_text else default

    def _single(self, expression: str, depth: int) -> StrValue:
        if expression[0] in "\"'" and expression[-1] == expression[0]:
            return StrValue.literal(expression[1:-1])
        if expression[0] == "`" and expression[-1] == "`":
            return self._template(expression[1:-1], depth)
        env = ENV_ACCESS.match(expression)
        if env is not None:
            name = env.group(1) or env.group(2)
            return StrValue.unknown(name, Origin("env", name))
        if IDENTIFIER.match(expression) and expression in self.constants:
            value = self.value(self.constants[expression], depth + 1)
            return value.with_origin(Origin("name", expression), override=False)
        if expression.startswith("(") and expression.endswith(")"):
            return self.value(expression[1:-1], depth + 1)
        return StrValue.unknown(expression if len(expression) <= 40 else expression[:37] + "...")

    def _template(self, body: str, depth: int) -> StrValue:
        result = StrValue(())
        index = 0
        while index < len(body):
            start = body.find("${", index)
            if start < 0:
                result = result.concat(StrValue.literal(body[index:]))
                break
            result = result.concat(StrValue.literal(body[index:start]))
            end = matching_close(body, start + 1)
            result = result.concat(self.value(body[start + 2 : end], depth + 1))
            index = end + 1
        return result
