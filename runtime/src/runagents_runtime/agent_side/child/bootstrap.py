"""What the agent's interpreter runs first (`python -I -u -c BOOTSTRAP <fd>`): the runtime's package made
importable from its own folder alone, not from the platform's site-packages around it.

The server reads this file's text and passes it with `-c`; it holds only the standard library and the
folder's path (`{package_dir}`) filled in. The upload's root is appended to sys.path by the loader,
after the agent's own packages, so an uploaded `runagents_runtime/` replaces nothing.
"""

BOOTSTRAP = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "runagents_runtime", {init!r}, submodule_search_locations=[{package_dir!r}])
package = importlib.util.module_from_spec(spec)
sys.modules["runagents_runtime"] = package
spec.loader.exec_module(package)
from runagents_runtime.agent_side.child.main import main
main(int(sys.argv[1]))
"""


def bootstrap_source(package_dir: str) -> str:
    """The `-c` program for the runtime's package at `package_dir` (…/runagents_runtime)."""
    return BOOTSTRAP.format(init=f"{package_dir}/__init__.py", package_dir=package_dir)
