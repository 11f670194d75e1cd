"""Which file, object and adapter the runtime will run, following the entry rules the runtime's
loader follows too (runagents_contracts.entry_rules): handler(), a Lambda handler, a framework
object (by the class or factory that makes it, imports resolved), then main(message).

An upload whose only entry cannot take the user's message (a main() without parameters, a script
that runs at import, a Streamlit or web server app) gets `takes_message=False` and a refusal that
shows the few lines of handler() that would make it work."""

import ast
import copy
import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from runagents_contracts.entry import EntryAdapter, EntryPoint
from runagents_contracts.entry_rules import ARGV_NAMES, ENTRY_RULES, EntryRule

from .linear_regex import compile_linear
from .project import Project
from .scopes import ModuleInfo
from .sources import TextFile

CONVENTIONAL_OBJECT_NAMES = ("agent", "chain", "executor", "graph", "crew", "root_agent", "app")
"""Objects the runtime may still recognise by their loaded type when the source does not show it."""
SETUP_CALL_ROOTS = frozenset({"os", "sys", "logging", "warnings", "load_dotenv", "nest_asyncio", "set_verbose"})
"""Top-level calls that only prepare the process; a module making nothing else is no script to run."""
CONVENTIONAL_NAMES = ("agent", "main", "app", "handler", "server", "run", "bot", "index", "crew", "graph")
MAIN_GUARD_REASON = 'if __name__ == "__main__"'
SCRIPT_REASON = "script with top-level code"
STREAMLIT_APP = "Streamlit app"
WEB_SERVER_APP = "web server app"
WEB_FRAMEWORKS = ("fastapi.FastAPI", "flask.Flask", "starlette.applications.Starlette", "quart.Quart",
                  "aiohttp.web.Application", "sanic.Sanic")
WEB_RUN_CALLS = ("uvicorn.run", "app.run", "web.run_app")
YAML_PLACEHOLDER = compile_linear(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

LANGCHAIN_RULE = next(rule for rule in ENTRY_RULES if rule.adapter == EntryAdapter.LANGCHAIN)
RULE_RANK = {id(rule): index for index, rule in enumerate(ENTRY_RULES)}
UNRESOLVED_OBJECT_RANK = len(ENTRY_RULES) - 0.5
"""A conventionally named object of unknown type: after every framework object, before main()."""
REFUSED_RANK = len(ENTRY_RULES) + 1


@dataclass(frozen=True)
class Candidate:
    rank: float
    reason: str
    adapter: EntryAdapter | None = None
    target: str | None = None
    takes_message: bool = True
    refusal: str | None = None


def _is_main_guard(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    constants = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and constants == ["__main__"]


def is_test_or_setup_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return (
        pure.name in ("setup.py", "conftest.py", "noxfile.py", "fabfile.py")
        or pure.name.startswith("test_")
        or pure.stem.endswith("_test")
        or any(part in ("tests", "test", "docs", "examples", "scripts") for part in pure.parts[:-1])
    )


def _name_preference(path: str) -> int:
    stem = PurePosixPath(path).stem
    return CONVENTIONAL_NAMES.index(stem) if stem in CONVENTIONAL_NAMES else len(CONVENTIONAL_NAMES)


def module_name_of(path: str, paths: set[str]) -> str | None:
    """The dotted module `python -m` imports from the project root (with src/ on sys.path for a
    src layout); None when a part of the path is no identifier."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if len(parts) > 1 and parts[0] == "src" and "src/__init__.py" not in paths:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


# --- matching the rules ---------------------------------------------------------------------------


def _under(qualname: str, roots: tuple[str, ...]) -> bool:
    return any(qualname == root or qualname.startswith(root + ".") for root in roots)


def rule_for_type(qualname: str) -> EntryRule | None:
    """The first rule whose class or factory makes an object of this qualified type."""
    for rule in ENTRY_RULES:
        for factory in rule.factory_names:
            root, _, tail = factory.partition(".")
            if qualname.split(".")[0] != root:
                continue
            if qualname.endswith("." + tail):
                return rule
            owner, _, method = tail.rpartition(".")  # StateGraph(S).add_node(...).add_edge(...).compile()
            if owner and qualname.endswith("." + method) and f".{owner}." in qualname:
                return rule
        if _under(qualname, rule.import_roots) and qualname.rsplit(".", 1)[-1] in rule.class_names:
            return rule
        owner, _, method = qualname.rpartition(".")  # AgentWorkflow.from_tools_or_functions(...)
        if method.startswith("from_") and _under(owner, rule.import_roots) and owner.rsplit(".", 1)[-1] in \
                rule.class_names:
            return rule
    return None


def _first_parameter(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    arguments = [*node.args.posonlyargs, *node.args.args]
    return arguments[0].arg if arguments else None


def _function_rule(node: ast.FunctionDef | ast.AsyncFunctionDef) -> EntryRule | None:
    for rule in ENTRY_RULES:
        if node.name in rule.function_names and (
            not rule.first_parameters or _first_parameter(node) in rule.first_parameters
        ):
            return rule
    return None


def _takes_message(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """main(message): a positional parameter, not a command line's `argv` (main(argv=None))."""
    positional = [*node.args.posonlyargs, *node.args.args]
    if positional:
        return positional[0].arg not in ARGV_NAMES
    return node.args.vararg is not None and node.args.vararg.arg not in ARGV_NAMES


def _object_rule(project: Project, module: ModuleInfo, value: ast.expr) -> EntryRule | None:
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Subscript):  # Agent[Context](...)
        qualname = project.qualname(value.func.value, module.scope)
        return rule_for_type(qualname) if qualname else None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):  # prompt | llm | parser
        for leaf in (value.left, value.right):
            if isinstance(leaf, ast.BinOp):
                if _object_rule(project, module, leaf) is not None:
                    return LANGCHAIN_RULE
                continue
            found = project.instance(leaf, module.scope)
            if found is not None and found.type.startswith("langchain"):
                return LANGCHAIN_RULE
        return None
    instance = project.instance(value, module.scope)
    return rule_for_type(instance.type) if instance is not None else None


def _conventional_runnable(project: Project, module: ModuleInfo, name: str, value: ast.expr) -> EntryRule | None:
    """`chain = llm.with_fallbacks(...)`: any LangChain object is a Runnable; one named as an
    agent or chain is the entry (a model object named `llm` is not)."""
    instance = project.instance(value, module.scope)
    if name in CONVENTIONAL_OBJECT_NAMES and instance is not None and instance.type.startswith("langchain"):
        return LANGCHAIN_RULE
    return None


def _decorated_rule(project: Project, module: ModuleInfo, node: ast.ClassDef) -> EntryRule | None:
    for decorator in node.decorator_list:
        expr = decorator.func if isinstance(decorator, ast.Call) else decorator
        qualname = project.qualname(expr, module.scope) or ""
        for rule in ENTRY_RULES:
            if qualname.rsplit(".", 1)[-1] in rule.class_decorators and _under(qualname, rule.import_roots):
                return rule
    return None


def _decorator_rule(project: Project, module: ModuleInfo,
                    node: ast.FunctionDef | ast.AsyncFunctionDef) -> EntryRule | None:
    for decorator in node.decorator_list:
        expr = decorator.func if isinstance(decorator, ast.Call) else decorator
        qualname = project.qualname(expr, module.scope)
        if qualname is not None and (rule := rule_for_type(qualname)) is not None:
            return rule
    return None


def _names_in(node: ast.AST | None) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} if node is not None else set()


# --- one module's best candidate --------------------------------------------------------------


def _module_candidate(project: Project, module: ModuleInfo, paths: set[str]) -> Candidate | None:
    best: Candidate | None = None
    objects: list[tuple[str, EntryRule | None, ast.expr]] = []
    main_node: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    has_guard = False
    for statement in module.parsed.tree.body:
        found: Candidate | None = None
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            rule = _function_rule(statement)
            if rule is not None and rule.adapter == EntryAdapter.MAIN:
                main_node = statement
                if _takes_message(statement):
                    found = Candidate(RULE_RANK[id(rule)], "def main(message)", rule.adapter, statement.name)
            elif rule is not None:
                found = Candidate(RULE_RANK[id(rule)], f"def {statement.name}()", rule.adapter, statement.name)
            elif (made := _decorator_rule(project, module, statement)) is not None:
                # LangGraph's functional API: @entrypoint() makes the function a graph object.
                objects.append((statement.name, made, ast.Name(id=statement.name)))
        elif isinstance(statement, ast.ClassDef):
            rule = _decorated_rule(project, module, statement)
            if rule is not None:
                found = Candidate(RULE_RANK[id(rule)], _crew_class_reason(statement.name, module.path, paths),
                                  rule.adapter, statement.name)
        elif isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names:
                rule = _object_rule(project, module, statement.value) or _conventional_runnable(
                    project, module, names[0], statement.value)
                # A conventional name whose type the source does not show: the runtime may know it.
                if rule is not None or (names[0] in CONVENTIONAL_OBJECT_NAMES and project.instance(
                        statement.value, module.scope) is None):
                    objects.append((names[0], rule, statement.value))
        elif isinstance(statement, ast.If) and _is_main_guard(statement.test):
            has_guard = True
        if found is not None and (best is None or found.rank < best.rank):
            best = found
    chosen = _preferred_object(objects)
    if chosen is not None and (best is None or chosen.rank < best.rank):
        best = chosen
    if best is not None:
        return best
    if main_node is not None or has_guard:
        reason = "def main()" if main_node is not None else MAIN_GUARD_REASON
        rank = REFUSED_RANK + (1 if main_node is not None and not has_guard else 0)
        return Candidate(rank, reason, EntryAdapter.MAIN if main_node else None,
                         main_node.name if main_node else None, False, _refusal(project, module, main_node))
    return None


def _is_web_app(project: Project, module: ModuleInfo, value: ast.expr) -> bool:
    instance = project.instance(value, module.scope)
    return instance is not None and any(instance.type.startswith(w) for w in WEB_FRAMEWORKS)


def _preferred_object(objects: list[tuple[str, EntryRule | None, ast.expr]]) -> Candidate | None:
    """The framework object to call: the framework's conventional name, else one that wraps the
    others (an AgentExecutor around its agent), else the first; recognised ones before the rest."""
    if not objects:
        return None
    recognised = [o for o in objects if o[1] is not None]
    pool = recognised or objects
    best_rank = min((RULE_RANK[id(o[1])] for o in pool if o[1] is not None), default=None)
    if best_rank is not None:
        pool = [o for o in pool if o[1] is not None and RULE_RANK[id(o[1])] == best_rank]
    rule = pool[0][1]
    named = [o for o in pool if rule is not None and o[0] in rule.object_names]
    chosen = named[0] if named else pool[0]
    if not named:
        for name, other_rule, value in pool[1:]:
            if chosen[0] in _wrapped_names(value, {o[0]: o[2] for o in objects}):
                chosen = (name, other_rule, value)
    name, rule, _ = chosen
    if rule is None:
        return Candidate(UNRESOLVED_OBJECT_RANK, f"module-level `{name}` object", None, name)
    return Candidate(RULE_RANK[id(rule)], f"module-level `{name}` object", rule.adapter, name)


def _wrapped_names(value: ast.expr, values: dict[str, ast.expr], depth: int = 3) -> set[str]:
    found = _names_in(value)
    if depth > 0:
        for name in list(found):
            if name in values and values[name] is not value:
                found |= _wrapped_names(values[name], values, depth - 1)
    return found


def _crew_class_reason(name: str, path: str, paths: set[str]) -> str:
    return f"@CrewBase class `{name}`"


def crew_inputs(path: str, files: dict[str, str]) -> list[str]:
    """The {placeholders} of a @CrewBase class's config/tasks.yaml and config/agents.yaml."""
    folder = PurePosixPath(path).parent
    found: list[str] = []
    for name in ("config/tasks.yaml", "config/agents.yaml"):
        for placeholder in YAML_PLACEHOLDER.findall(files.get(str(folder / name), "")):
            if placeholder not in found:
                found.append(placeholder)
    return found


# --- refusals ------------------------------------------------------------------------------------


def _imports(module: ModuleInfo, root: str) -> bool:
    return any(record.module == root or record.module.startswith(root + ".") for record in module.imports)


def _web_app_name(project: Project, module: ModuleInfo) -> str | None:
    for statement in module.parsed.tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if isinstance(targets[0], ast.Name) and _is_web_app(project, module, statement.value):
                return targets[0].id
    for call, scope in module.calls:
        qualname = project.qualname(call.func, scope) or ""
        if qualname in WEB_RUN_CALLS or qualname.endswith(".run_app"):
            return "app"
    return None


RUN_CALL_NAMES = frozenset({"run", "arun", "run_sync", "invoke", "ainvoke", "kickoff", "chat", "achat", "create",
                            "generate_content", "print_response", "query", "stream", "send_message"})
"""Calls that run the agent on a text: the one whose fixed text the user's message replaces."""
MAX_HANDLER_LINES = 14


def _user_content(node: ast.AST, any_content: bool = False) -> ast.expr | None:
    """The fixed content of a {"role": "user", "content": "..."} message inside `node`."""
    for inner in ast.walk(node):
        if not isinstance(inner, ast.Dict):
            continue
        constants = {k.value: v for k, v in zip(inner.keys, inner.values, strict=True) if isinstance(k, ast.Constant)}
        role, content = constants.get("role"), constants.get("content")
        is_user = isinstance(role, ast.Constant) and role.value == "user"
        variable = isinstance(content, ast.Name | ast.Attribute | ast.Subscript)
        if is_user and (isinstance(content, ast.Constant | ast.JoinedStr) or (any_content and variable)):
            return content
    return None


def _message_argument(call: ast.Call, run_call: bool = False) -> ast.expr | None:
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str) and " " in argument.value:
            return argument
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id == "input":
            return argument
        if isinstance(argument, ast.List | ast.Dict) and (content := _user_content(argument, run_call)) is not None:
            return content
        if run_call and isinstance(argument, ast.Dict):  # kickoff(inputs={"topic": "..."})
            for value in argument.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and " " in value.value:
                    return value
    return None


def _runs_agent(statement: ast.stmt) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in RUN_CALL_NAMES
               for n in ast.walk(statement))


def _locate_message(body: list[ast.stmt]) -> tuple[int, ast.Call, ast.expr] | None:
    """(index of the statement, the call, its argument) where the user's message would go: a call
    that runs an agent on a fixed text first, then a user message set up before such a call, else
    any call given a fixed text or input()."""
    return _call_given_text(body, run_calls_only=True) or _user_message_set_up(body) or _call_given_text(
        body, run_calls_only=False)


def _call_given_text(body: list[ast.stmt], run_calls_only: bool) -> tuple[int, ast.Call, ast.expr] | None:
    for index, statement in enumerate(body):
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if run_calls_only and name not in RUN_CALL_NAMES:
                continue
            argument = _message_argument(node, run_calls_only)
            if argument is not None:
                return index, node, argument
    return None


def _user_message_set_up(body: list[ast.stmt]) -> tuple[int, ast.Call, ast.expr] | None:
    """user_message = {"role": "user", "content": "..."}, sent by a later call."""
    for index, statement in enumerate(body):
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            content = _user_content(statement.value)
            if content is not None:
                return index, ast.Call(func=ast.Name(id="dict"), args=[], keywords=[]), content
    return None


def _same_node(a: ast.AST, b: ast.AST) -> bool:
    return type(a) is type(b) and all(getattr(a, f, None) == getattr(b, f, None)
                                      for f in ("lineno", "col_offset", "end_lineno", "end_col_offset"))


def _is_print(statement: ast.stmt) -> ast.expr | None:
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
            isinstance(statement.value.func, ast.Name) and statement.value.func.id == "print" and statement.value.args:
        return statement.value.args[0]
    return None


def _flatten(body: list[ast.stmt]) -> list[ast.stmt]:
    """The simple statements of a block, those inside if/with/for/try blocks included, in order."""
    flat: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, ast.If | ast.With | ast.AsyncWith | ast.For | ast.AsyncFor | ast.While | ast.Try):
            flat.extend(_flatten(statement.body))
        else:
            flat.append(statement)
    return flat


def _handler_lines(body: list[ast.stmt], is_async: bool, with_setup: bool) -> str:
    """A handler() made of the code itself: the statements up to the call that runs the agent, its
    fixed text replaced by the user's message, and what it printed returned."""
    prefix = "async def" if is_async else "def"
    body = _flatten(body)
    located = _locate_message(body)
    if located is None:
        return (f"{prefix} handler(request):\n    message = request[\"message\"]\n"
                "    # ... the agent's work, on `message` instead of a fixed text or input() ...\n"
                "    return answer")
    index, _, argument = located
    # Through the statement that runs the agent (the message may be set up a few lines before it).
    end = next((i for i in range(index, len(body)) if _runs_agent(body[i])), index)
    kept = [s for s in body[0 if with_setup else index: end]
            if not _is_print(s) and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            and not isinstance(s, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    kept.append(body[end])  # the statement that runs the agent, even a print(agent.run(...))
    message = ast.parse('request["message"]', mode="eval").body

    class Replace(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> ast.AST:
            return message if _same_node(node, argument) else super().generic_visit(node)

    statements = [Replace().visit(copy.deepcopy(s)) for s in kept]
    last = statements[-1]
    printed_call = _is_print(last) if isinstance(last, ast.stmt) else None
    if printed_call is not None:
        statements[-1] = last = ast.Return(value=printed_call)
    later = body[end + 1:]
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        name = last.targets[0].id
        printed = next((e for s in later if (e := _is_print(s)) is not None and name in _names_in(e)), None)
        if isinstance(printed, ast.JoinedStr):  # print(f"Answer: {result}"): the value, not the decoration
            printed = None
        statements.append(ast.Return(value=printed or ast.Name(id=name)))
    elif isinstance(last, ast.Expr):
        statements[-1] = ast.Return(value=last.value)
    lines = [line for s in statements for line in ast.unparse(s).splitlines()]
    if len(lines) > MAX_HANDLER_LINES:
        lines = ["...", *lines[-MAX_HANDLER_LINES:]]
    return f"{prefix} handler(request):\n" + "\n".join(f"    {line}" for line in lines)


def _refusal(project: Project, module: ModuleInfo,
             main_node: ast.FunctionDef | ast.AsyncFunctionDef | None) -> str:
    body = main_node.body if main_node is not None else module.parsed.tree.body
    is_async = isinstance(main_node, ast.AsyncFunctionDef)
    try:
        lines = _handler_lines(body, is_async, with_setup=main_node is not None)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError):
        # Rewriting odd code must never fail the analysis: the general shape still helps.
        lines = _handler_lines([], is_async, with_setup=False)
    if _imports(module, "streamlit"):
        why = (f"{module.path} is a {STREAMLIT_APP}: its answers go to a web page, the runtime cannot give it "
               "the user's message")
    elif (app := _web_app_name(project, module)) is not None:
        why = (f"{module.path} is a {WEB_SERVER_APP} (`{app}`): the runtime calls a function with the message, "
               "it does not serve the app's routes")
    elif main_node is not None:
        why = f"main() in {module.path} takes no parameter, so it cannot receive the user's message"
    else:
        why = f"{module.path} only runs at import: no function or agent object takes the user's message"
    return f"{why}. Add a handler that does the work on the message, for example:\n\n{lines}\n"


# --- the upload ------------------------------------------------------------------------------------


def _langgraph_json(project: Project, files: list[TextFile], paths: set[str]) -> EntryPoint | None:
    configs = sorted((f for f in files if f.name == "langgraph.json"), key=lambda f: (f.path.count("/"), f.path))
    for config in configs:
        try:
            graphs = json.loads(config.text).get("graphs") or {}
        except (ValueError, AttributeError):
            continue
        for graph_id, spec in graphs.items():
            location = spec.get("path") if isinstance(spec, dict) else spec
            if not isinstance(location, str) or ":" not in location:
                continue
            file_part, _, target = location.rpartition(":")
            folder = PurePosixPath(config.path).parent
            path = str(PurePosixPath(*[p for p in (folder / file_part).parts if p != "."]))
            if path not in paths:
                continue
            return EntryPoint(file=path, reason=f'graph "{graph_id}" in {config.path}', adapter=EntryAdapter.LANGGRAPH,
                              target=target, module=module_name_of(path, paths))
    return None


def refused_in_every_tier(entry: EntryPoint) -> bool:
    """A script that works at import, a Streamlit or a web server app: refused even when the
    platform's own tool loop would answer in its place (Tier 1), as it would silently replace them.
    A main() or `__main__` block of a Tier 1 agent is not: the loop is what the user asked for."""
    refusal = entry.refusal or ""
    return entry.reason == SCRIPT_REASON or STREAMLIT_APP in refusal or WEB_SERVER_APP in refusal


def find_entry_point(project: Project, files: list[TextFile] | None = None) -> EntryPoint | None:
    files = files or []
    paths = {m.path for m in project.modules}
    from_config = _langgraph_json(project, files, paths)
    if from_config is not None:
        return from_config
    candidates: list[tuple[tuple[int, float, int, int, str], ModuleInfo, Candidate]] = []
    for module in project.modules:
        candidate = _module_candidate(project, module, paths)
        if candidate is None:
            continue
        key = (int(is_test_or_setup_file(module.path)), candidate.rank, _name_preference(module.path),
               module.path.count("/"), module.path)
        candidates.append((key, module, candidate))
    if candidates:
        _, module, best = min(candidates, key=lambda item: item[0])
        reason = best.reason
        if best.adapter == EntryAdapter.CREWAI and best.reason.startswith("@CrewBase"):
            inputs = crew_inputs(module.path, {f.path: f.text for f in files})
            reason += f", inputs {', '.join('{' + i + '}' for i in inputs)} from its config" if inputs else ""
        return EntryPoint(file=module.path, reason=reason, adapter=best.adapter, target=best.target,
                          module=module_name_of(module.path, paths), takes_message=best.takes_message,
                          refusal=best.refusal)
    return _script_entry_point(project, paths)


def _runs_code(statement: ast.stmt) -> bool:
    """Top-level work beyond definitions: a call, a loop, a with block, an if that does something."""
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Call):
            root = value.func
            while isinstance(root, ast.Attribute):
                root = root.value
            return not (isinstance(root, ast.Name) and root.id in SETUP_CALL_ROOTS)
        return isinstance(value, ast.Await)
    return isinstance(statement, ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.If | ast.Try)


def _script_entry_point(project: Project, paths: set[str]) -> EntryPoint | None:
    """A plain script (a notebook exported to .py, a Streamlit app): code that runs at import."""
    scripts = [
        module for module in project.modules
        if not is_test_or_setup_file(module.path) and any(_runs_code(s) for s in module.parsed.tree.body)
    ]
    if not scripts:
        return None
    best = min(scripts, key=lambda m: (_name_preference(m.path), m.path.count("/"), m.path))
    return EntryPoint(file=best.path, reason=SCRIPT_REASON, module=module_name_of(best.path, paths),
                      takes_message=False, refusal=_refusal(project, best, None))
