"""`python -m runagents_runtime`: configure from the environment and serve with uvicorn.

Run with the platform's interpreter (`python -I -u -m runagents_runtime`); the agent's code runs
in a process of its own with AGENT_PYTHON (agent_process.py).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

import uvicorn

from runagents_runtime.app import create_app
from runagents_runtime.config import INVOKE_KEY_ENV, ConfigError, load_config
from runagents_runtime.environment import sdk_environment

logger = logging.getLogger("runagents_runtime")


def main() -> None:
    """Read the configuration, start the agent's process (Tier 2) and serve; exit non-zero if it dies."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(os.environ)
    except ConfigError as exc:
        raise SystemExit(f"runagents-runtime: configuration error: {exc}") from None
    # Nothing this process starts has any use for the key that proves an invoke came from the platform.
    os.environ.pop(INVOKE_KEY_ENV, None)
    _close_proc_files()
    logger.info(
        "agent %s: model %r, %d tool(s), %s",
        config.agent_name,
        config.model,
        len(config.tool_names),
        f"USER_ENTRY_POINT={config.user_entry_point} with {config.agent_python or 'this interpreter'}; "
        f"SDK variables unless set: {', '.join(sorted(sdk_environment(config)))}"
        if config.user_entry_point else "built-in tool loop",
    )
    if config.invoke_key is None:
        logger.warning("%s is not set: /invoke answers anyone who reaches port %d", INVOKE_KEY_ENV, config.port)
    ended: list[str] = []

    def agent_ended(reason: str) -> None:
        ended.append(reason)
        server.should_exit = True

    app = create_app(config, on_agent_exit=agent_ended)
    server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_config=None))
    server.run()
    if ended:
        raise SystemExit(f"runagents-runtime: stopping, {ended[0]}")


PR_SET_DUMPABLE = 4


def _close_proc_files() -> None:
    """Make /proc/<this pid>/environ (which still holds the invoke key) and the like readable by root alone.

    The agent's process runs as the same user as this one; without this it could read them.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            logger.warning("could not make the runtime's /proc files private (errno %d)", ctypes.get_errno())
    except (OSError, AttributeError) as exc:
        logger.warning("could not make the runtime's /proc files private: %s", exc)


if __name__ == "__main__":
    main()
