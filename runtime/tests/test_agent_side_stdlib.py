"""Every module of runagents_runtime.agent_side imports with the standard library alone.

The agent's process has the agent's packages and nothing of the platform's: the test imports each
module with `python -I -S` (no site-packages at all) and only the runtime's own folder on the path,
then checks that nothing outside the standard library and agent_side was loaded.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import runagents_runtime.agent_side
from runagents_runtime.agent_side.child.bootstrap import bootstrap_source

PACKAGE_DIR = Path(runagents_runtime.agent_side.__file__).parent.parent
CHECK = """
import importlib, json, sys
before = set(sys.modules)
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
foreign = sorted(
    name for name in set(sys.modules) - before
    if name.split(".")[0] not in sys.stdlib_module_names
    and name != "runagents_runtime" and not name.startswith("runagents_runtime.agent_side")
)
print(json.dumps(foreign))
"""


def agent_side_modules() -> list[str]:
    package = runagents_runtime.agent_side
    return [package.__name__] + [
        info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
    ]


def test_every_agent_side_module_imports_with_the_standard_library_alone() -> None:
    modules = agent_side_modules()
    assert {"runagents_runtime.agent_side.child.main", "runagents_runtime.agent_side.child.outbound",
            "runagents_runtime.agent_side.adapters.handler", "runagents_runtime.agent_side.loading"} <= set(modules)

    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(PACKAGE_DIR.parent)!r})\n{CHECK}",
         json.dumps(modules)],
        capture_output=True, text=True, cwd="/",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_bootstrap_reaches_agent_side_but_not_the_platforms_packages() -> None:
    program = bootstrap_source(str(PACKAGE_DIR)).replace(
        "from runagents_runtime.agent_side.child.main import main\nmain(int(sys.argv[1]))",
        "import runagents_runtime.agent_side.child.main, importlib.util\n"
        "print(runagents_runtime.__file__, importlib.util.find_spec('fastapi'), "
        "importlib.util.find_spec('runagents_contracts'))",
    )

    result = subprocess.run([sys.executable, "-I", "-S", "-c", program, "0"], capture_output=True, text=True,
                            cwd="/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(PACKAGE_DIR / "__init__.py"), "None", "None"]
