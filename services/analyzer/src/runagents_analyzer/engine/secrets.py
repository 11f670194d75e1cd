"""Hard-coded credentials: provider key formats in any text file, and high-entropy literals given
to secret-looking names. Only a masked preview ever leaves this module."""

import ast
import math
from collections import Counter
from dataclasses import dataclass

from .js_text import LineIndex
from .linear_regex import SPACE, WORD, Match, Pattern, compile_linear, is_word_character
from .report import Secret
from .scopes import ModuleInfo
from .sources import TextFile

# Every pattern runs on RE2 (linear_regex): a crafted upload cannot make one backtrack. Patterns
# start with a literal so the search skips ahead; the word boundary before a key is checked in
# Python, and so is the one after it wherever the pattern says \b (RE2's \b is ASCII-only).
KEY_FORMATS: tuple[tuple[str, Pattern], ...] = tuple(
    (kind, compile_linear(pattern))
    for kind, pattern in (
        # the header alone (a constant in a parser, say) is no key: key material must follow
        ("private_key", rf"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[{SPACE}]|\\n|\\r)+"
                        rf"(?:[A-Za-z-]+:[^\n]*(?:[{SPACE}]|\\n|\\r)+)*[A-Za-z0-9+/=]{{20,}}"),
        ("anthropic_api_key", r"sk-ant-[A-Za-z0-9_\-]{20,}"),
        # an "sk-ant-" match is left to anthropic_api_key (RE2 has no lookahead to say so here)
        ("openai_api_key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
        ("aws_access_key_id", r"A(?:KIA|SIA|BIA|CCA)[0-9A-Z]{16}\b"),
        ("github_token", r"gh[pousr]_[A-Za-z0-9]{36,}\b|github_pat_[A-Za-z0-9_]{22,}\b"),
        ("slack_token", r"xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,}"),
        ("sendgrid_api_key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
        ("slack_webhook", r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{8,}"),
        ("stripe_key", r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),
        ("google_api_key", r"AIza[0-9A-Za-z_\-]{35}\b"),
        ("huggingface_token", r"hf_[A-Za-z0-9]{30,}\b"),
        ("groq_api_key", r"gsk_[A-Za-z0-9]{40,}\b"),
        ("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("connection_string_password", rf"://[^:/@'\"`{SPACE}]+:(?P<secret>[^@/'\"`{SPACE}]+)@"),
    )
)
ENDS_AT_WORD_BOUNDARY = frozenset(
    {"aws_access_key_id", "github_token", "sendgrid_api_key", "stripe_key", "google_api_key", "huggingface_token",
     "groq_api_key"}
)
SECRET_NAME = compile_linear(
    r"api_?key|secret|token|passw(or)?d|passwd|pwd|credential|private_?key|access_?key|auth_?key|bearer|"
    r"signing_?key|encryption_?key"
)
PASSWORD_NAME = compile_linear(r"passw(or)?d|passwd|pwd")
NOT_SECRET_NAME = compile_linear(
    r"(_|^)(url|uri|endpoint|path|file|filename|name|env|var|header|type|len|length|count|limit|max|min|field|"
    r"prefix|id|dir|format|pattern|regex|param|kind|label|usage|budget|ttl|expiry|expires|expiration|timeout|"
    r"policy|scope|scopes|hint|prompt|placeholder|message|error|mode|source|provider|location)$|"
    r"^(max|num|total|n|min)_|_tokens?_(count|limit|used|usage)|tokenizer|token_type|tokens$|_tokens_|"
    r"^is_|^has_|^use_|^get_|^set_"
)
KEY_PREFIX = compile_linear(r"(?i)^(sk-(ant-|proj-)?|gh[pousr]_|xox[a-z]-|AKIA|AIza|hf_|gsk_)")
DEFAULT_CREDENTIALS = frozenset(
    {"password", "pass", "passwd", "postgres", "root", "admin", "guest", "user", "secret", "changeme",
     "test", "example", "none", "null", "undefined", "true", "false", "string", "str", "token", "default",
     "local", "dev", "development", "redis", "mysql", "rabbitmq", "minio", "minioadmin", "platform-managed"}
)
PLACEHOLDER_MARKERS = (
    "your", "example", "placeholder", "changeme", "change_me", "change-me", "replace", "insert", "dummy", "fake",
    "redacted", "here", "sample", "todo", "xxx", "***", "...", "\u2026", "<", ">", "{", "}", "$", "%s", "mock",
    "foobar", "abcdefgh", "12345678", "abc123", "not-a-real", "notreal", "invalid",
)
CONFIG_SUFFIXES = (".env", ".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf", ".properties")
CONFIG_NAMES = frozenset({"credentials", "config", ".npmrc", ".pypirc", ".netrc"})
"""Suffix-less configuration files: ~/.aws/credentials and ~/.aws/config copied into a project."""
CONFIG_ASSIGNMENT = compile_linear(
    rf"""^[{SPACE}]*(?:export[{SPACE}]+)?["']?(?P<name>[A-Za-z0-9_.-]+)["']?[{SPACE}]*[:=][{SPACE}]*["']?"""
    rf"""(?P<value>[^"'#,{SPACE}]+)"""
)
# name = "value" with the same quote on both sides: one alternative per quote (RE2 has no backreferences)
_QUOTED = "|".join(rf"{q}(?P<value{i}>[^\"'`{SPACE}]+){q}" for i, q in enumerate(('"', "'", "`")))
SCRIPT_ASSIGNMENT = compile_linear(
    rf"""(?P<name>[A-Za-z_$][{WORD}$]*)["']?[{SPACE}]*[:=][{SPACE}]*(?:{_QUOTED})"""
)
BEARER = compile_linear(rf"^(?:Bearer|Basic|Token)[{SPACE}]+(?P<secret>[^{SPACE}]+)$")


@dataclass(frozen=True, slots=True)
class _Hit:
    line: int
    kind: str
    value: str
    from_format: bool


def mask(value: str) -> str:
    if value.startswith("-----BEGIN"):
        return value[: value.index("-----", 5) + 5]
    if len(value) >= 16:
        return f"{value[:4]}\u2026{value[-3:]}"
    if len(value) >= 8:
        return f"{value[:2]}\u2026"
    return "\u2026"


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) if value else 0.0


def is_placeholder(value: str) -> bool:
    lowered = value.lower()
    if lowered in DEFAULT_CREDENTIALS or lowered.startswith("test") or any(m in lowered for m in PLACEHOLDER_MARKERS):
        return True
    prefix = KEY_PREFIX.match(value)
    body = value[prefix.end():] if prefix is not None else value
    return len(set(body.lower())) < 6


def _snake(name: str) -> str:
    """camelCase and dashed or dotted names in snake_case: "apiKey" -> "api_key"."""
    words = [
        f"_{c}" if "A" <= c <= "Z" and i > 0 and ("a" <= name[i - 1] <= "z" or "0" <= name[i - 1] <= "9") else c
        for i, c in enumerate(name)
    ]
    return "".join(words).lower().replace("-", "_").replace(".", "_")


def secret_kind_for_name(name: str) -> str | None:
    normalised = _snake(name.strip("$"))
    if not SECRET_NAME.search(normalised) or NOT_SECRET_NAME.search(normalised):
        return None
    return "password" if PASSWORD_NAME.search(normalised) else "generic_secret"


def is_plausible_secret(value: str, kind: str) -> bool:
    if is_placeholder(value) or any(c.isspace() for c in value) or "://" in value:
        return False
    if kind == "password":
        words_of_examples = ("password", "secret", "passwd")
        return len(value) >= 6 and entropy(value) >= 2.0 and not any(w in value.lower() for w in words_of_examples)
    classes = sum(any(low <= c <= high for c in value) for low, high in (("a", "z"), ("A", "Z"), ("0", "9")))
    return len(value) >= 12 and entropy(value) >= 3.0 and classes >= 2


def _format_hits(text_file: TextFile) -> list[_Hit]:
    hits: list[_Hit] = []
    lines: LineIndex | None = None
    for kind, pattern in KEY_FORMATS:
        for match in pattern.finditer(text_file.text):
            if not _stands_alone(text_file.text, kind, match.start(), match.end()):
                continue
            value = match.groupdict().get("secret") or match.group(0)
            if kind == "connection_string_password":
                plausible = is_plausible_secret(value, "password")
            else:
                plausible = kind == "private_key" or not (is_placeholder(value) or entropy(value) < 3.0)
            if plausible:
                lines = lines or LineIndex(text_file.text)
                hits.append(_Hit(lines.line_of(match.start()), kind, value, True))
    return hits


def _stands_alone(text: str, kind: str, start: int, end: int) -> bool:
    """A key is not part of a longer word; an openai match of an Anthropic key is the other kind's."""
    if kind == "connection_string_password":
        return True
    if start > 0 and is_word_character(text[start - 1]):
        return False
    if kind in ENDS_AT_WORD_BOUNDARY and end < len(text) and is_word_character(text[end]):
        return False
    return not (kind == "openai_api_key" and text.startswith("sk-ant-", start))


def _assigned_value(match: Match) -> str:
    groups = match.groupdict()
    value = groups.get("value")
    if value is None:  # SCRIPT_ASSIGNMENT: the value is in the group of its quote
        value = next(v for n, v in groups.items() if n.startswith("value") and v is not None)
    return str(value)


def _assignment_hits(text_file: TextFile) -> list[_Hit]:
    """NAME=value in config files and name = "value" in scripts other than Python."""
    is_config = (text_file.suffix in CONFIG_SUFFIXES or text_file.name.startswith(".env")
                 or text_file.name in CONFIG_NAMES)
    if not (is_config or text_file.is_javascript):
        return []
    hits: list[_Hit] = []
    for number, line in enumerate(text_file.lines, start=1):
        matches = [CONFIG_ASSIGNMENT.match(line)] if is_config else list(SCRIPT_ASSIGNMENT.finditer(line))
        for match in matches:
            if match is None:
                continue
            value = _assigned_value(match)
            kind = secret_kind_for_name(match.group("name"))
            if kind and is_plausible_secret(value, kind):
                hits.append(_Hit(number, kind, value, False))
    return hits


def _python_hits(module: ModuleInfo) -> list[_Hit]:
    hits: list[_Hit] = []

    def check(name: str | None, value: ast.expr | None) -> None:
        if name is None or not isinstance(value, ast.Constant) or not isinstance(value.value, str):
            return
        bearer = BEARER.match(value.value) if name.lower() == "authorization" else None
        if bearer is not None:
            token = bearer.group("secret")
            if is_plausible_secret(token, "generic_secret"):
                hits.append(_Hit(value.lineno, "bearer_token", token, False))
            return
        kind = secret_kind_for_name(name)
        if kind and is_plausible_secret(value.value, kind):
            hits.append(_Hit(value.lineno, kind, value.value, False))

    scopes = [module.scope, *module.classes.values(), *(inner for _, inner in module.functions)]
    for scope in scopes:
        for table in (scope.bindings, scope.attributes):
            for name, bindings in table.items():
                for binding in bindings:
                    if binding.kind == "value":
                        check(name, binding.value)
    for call, _ in module.calls:
        for keyword in call.keywords:
            check(keyword.arg, keyword.value)
        env_name = call.args[0] if len(call.args) >= 2 else None
        callee = getattr(call.func, "attr", getattr(call.func, "id", ""))
        if callee in ("get", "getenv", "setdefault") and isinstance(env_name, ast.Constant):
            check(env_name.value if isinstance(env_name.value, str) else None, call.args[1])
    for dictionary in module.dicts:
        for key, value in zip(dictionary.keys, dictionary.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                check(key.value, value)
    for function, _ in module.functions:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults, strict=True)
        for arg, default in [*defaults, *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]:
            check(arg.arg, default)
    return hits


def scan_secrets(files: list[TextFile], modules: dict[str, ModuleInfo]) -> list[Secret]:
    secrets: dict[tuple[str, int, str], Secret] = {}
    for text_file in files:
        hits = _format_hits(text_file) + _assignment_hits(text_file)
        if text_file.path in modules:
            hits += _python_hits(modules[text_file.path])
        format_lines = {hit.line for hit in hits if hit.from_format}
        for hit in hits:
            if hit.from_format or hit.line not in format_lines:
                preview = mask(hit.value)
                secrets.setdefault(
                    (text_file.path, hit.line, preview),
                    Secret(file=text_file.path, line=hit.line, kind=hit.kind, preview=preview),
                )
    return sorted(secrets.values(), key=lambda s: (s.file, s.line, s.kind))
