"""Project-level facts of a TypeScript/JavaScript upload: npm packages imported, the entry point from
package.json or file names, and the agent framework that makes it custom-tier."""

import json
from pathlib import PurePosixPath

from .linear_regex import WORD, compile_linear
from .report import EntryPoint
from .sources import TextFile
from .tier import JsImport, framework_of_js_import
from .ts_values import JsModule

NODE_CORE = frozenset(
    {"assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
     "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector", "module", "net",
     "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream",
     "string_decoder", "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
     "worker_threads", "zlib", "test", "sqlite", "sea"}
)
EXTRA_FRAMEWORKS = {
    "@openai/agents-": "OpenAI Agents SDK", "crewai-js": "CrewAI", "crewai": "CrewAI", "@inngest/agent-kit":
    "AgentKit", "beeai-framework": "BeeAI", "@strands-agents/": "Strands Agents", "autogen": "AutoGen",
    "@ax-llm/ax": "Ax", "@modelfusion/": "ModelFusion",
}
AI_SDK_TOOL_CALLS = frozenset({"generateText", "streamText", "generateObject", "streamObject"})
ENTRY_STEMS = ("agent", "index", "main", "server", "app")
TEST_FILE = compile_linear(r"(^|/)(__tests__|tests?|e2e|__mocks__)/|\.(test|spec)\.[cm]?[jt]sx?$")
BUILD_FOLDERS = ("dist/", "build/", "lib/", "out/", ".output/")
SCRIPT_FILE = compile_linear(rf"[{WORD}./@-]+\.(?:[cm]?[jt]sx?)\b")
LEADING_DOT_SLASHES = compile_linear(r"^(\./)+")
SCRIPT_SUFFIX = compile_linear(r"\.[cm]?[jt]sx?$")
SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")


def is_test_file(path: str) -> bool:
    return bool(TEST_FILE.search(path))


def npm_package_name(specifier: str, local_folders: set[str]) -> str | None:
    """`@scope/pkg/sub` -> `@scope/pkg`, `lodash/fp` -> `lodash`; relative, aliased and core modules -> None."""
    if not specifier or specifier.startswith((".", "/", "node:", "bun:", "@/", "~/", "#", "virtual:")) \
            or "://" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else None
    if parts[0] in NODE_CORE or (len(parts) > 1 and parts[0] in local_folders):
        return None
    return parts[0]


def imported_packages(imports: list[JsImport], files: list[TextFile]) -> list[str]:
    folders = {part for f in files for part in PurePosixPath(f.path).parts[:-1]}
    names: list[str] = []
    for record in imports:
        if is_test_file(record.file):
            continue
        name = npm_package_name(record.module, folders)
        if name is not None and name not in names:
            names.append(name)
    return names


def framework_reason(imports: list[JsImport], modules: dict[str, JsModule]) -> str | None:
    for record in imports:
        if is_test_file(record.file):
            continue
        framework = framework_of_js_import(record.module) or next(
            (name for prefix, name in EXTRA_FRAMEWORKS.items()
             if record.module == prefix or record.module.startswith(prefix if prefix.endswith(("/", "-"))
                                                                    else prefix + "/")), None)
        if framework is None and record.module == "ai" and _uses_ai_sdk_tools(modules.get(record.file)):
            framework = "Vercel AI SDK with tools"
        if framework is not None:
            return f"imports {record.module} ({framework}) in {record.file}:{record.line}"
    for module in sorted(modules.values(), key=lambda m: m.path):
        line = None if is_test_file(module.path) else exported_handler_line(module)
        if line is not None:
            return f"export handler in {module.path}:{line}"
    return None


def _uses_ai_sdk_tools(module: JsModule | None) -> bool:
    """The AI SDK is an agent framework when the model is given tools to call."""
    if module is None:
        return False
    names = {local for local, origin in module.imported.items() if origin.module == "ai"}
    if any(module.imported[n].name in ("tool", "Experimental_Agent", "Agent", "stepCountIs") for n in names):
        return True
    for call in module.parsed.captures.get("call", []):
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or arguments is None or callee.text is None:
            continue
        local = callee.text.decode()
        if local in names and module.imported[local].name in AI_SDK_TOOL_CALLS:
            first = arguments.named_children[0] if arguments.named_child_count else None
            if first is not None and first.type == "object" and any(
                (pair.child_by_field_name("key") is not None
                 and (pair.child_by_field_name("key").text or b"") == b"tools")  # type: ignore[union-attr]
                or (pair.type == "shorthand_property_identifier" and pair.text == b"tools")
                for pair in first.named_children
            ):
                return True
    return False


def _source_for(target: str, folder: PurePosixPath, by_path: dict[str, TextFile]) -> str | None:
    """The uploaded file a package.json path names, mapping built output (dist/x.js) back to its source."""
    path = (folder / target).as_posix().removeprefix("./")
    path = LEADING_DOT_SLASHES.sub("", path)
    candidates = [path]
    stem = SCRIPT_SUFFIX.sub("", path)
    candidates += [stem + suffix for suffix in SOURCE_SUFFIXES]
    relative = PurePosixPath(target).as_posix().removeprefix("./")
    for build in BUILD_FOLDERS:
        if relative.startswith(build):
            rest = SCRIPT_SUFFIX.sub("", relative.removeprefix(build))
            base = (folder / "src" / rest).as_posix().removeprefix("./")
            candidates += [base + suffix for suffix in SOURCE_SUFFIXES]
    candidates += [(PurePosixPath(path) / "index").as_posix() + s for s in SOURCE_SUFFIXES]
    return next((c for c in candidates if c in by_path and by_path[c].is_javascript), None)


def find_js_entry_point(files: list[TextFile], modules: dict[str, JsModule]) -> EntryPoint | None:
    by_path = {f.path: f for f in files}
    for manifest in sorted((f for f in files if f.name == "package.json"), key=lambda f: f.path.count("/")):
        try:
            data = json.loads(manifest.text)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        folder = PurePosixPath(manifest.path).parent
        raw_scripts = data.get("scripts")
        scripts: dict[str, object] = raw_scripts if isinstance(raw_scripts, dict) else {}
        bin_field = data.get("bin")
        bins = list(bin_field.values()) if isinstance(bin_field, dict) else [bin_field]
        named: list[tuple[str, object]] = [("scripts.start", scripts.get("start")), ("main", data.get("main")),
                                           *[("bin", b) for b in bins], ("scripts.dev", scripts.get("dev"))]
        for reason, value in named:
            if not isinstance(value, str):
                continue
            targets = SCRIPT_FILE.findall(value) if reason.startswith("scripts") else [value]
            for target in targets:
                found = _source_for(target, folder, by_path)
                if found is not None:
                    shown = f"package.json {reason}" + (f": {value}" if reason.startswith("scripts") else "")
                    return EntryPoint(file=found, reason=shown)
    handlers = [m.path for m in modules.values() if not is_test_file(m.path) and exported_handler_line(m)]
    if handlers:
        return EntryPoint(file=min(handlers, key=lambda p: (p.count("/"), p)), reason="exports handler")
    scripts_by_name = sorted(
        (f for f in files if f.is_javascript and not is_test_file(f.path)
         and PurePosixPath(f.path).stem in ENTRY_STEMS),
        key=lambda f: (f.path.count("/") - (1 if f.path.startswith("src/") else 0),
                       ENTRY_STEMS.index(PurePosixPath(f.path).stem), f.path),
    )
    if scripts_by_name:
        return EntryPoint(file=scripts_by_name[0].path,
                          reason=f"conventional file name ({PurePosixPath(scripts_by_name[0].path).name})")
    return None


def exported_handler_line(module: JsModule) -> int | None:
    """Line of `export function handler` / `export const handler = ...` (the Lambda and platform convention)."""
    for statement in module.parsed.captures.get("export", []):
        declaration = statement.child_by_field_name("declaration")
        if declaration is None:
            continue
        name = declaration.child_by_field_name("name")
        if name is not None and name.text == b"handler":
            return statement.start_point.row + 1
        for declarator in declaration.named_children:
            inner = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            if inner is not None and inner.text == b"handler":
                return statement.start_point.row + 1
    return None
