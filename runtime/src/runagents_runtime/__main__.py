"""`python -m runagents_runtime`: configure from the environment and serve with uvicorn."""

from __future__ import annotations

import logging
import os

import uvicorn

from runagents_runtime.app import create_app
from runagents_runtime.config import INVOKE_KEY_ENV, ConfigError, load_config
from runagents_runtime.environment import inject_sdk_environment
from runagents_runtime.outbound_tracing import install_outbound_tracing

logger = logging.getLogger("runagents_runtime")


def main() -> None:
    """Read the configuration, point AI SDKs at the gateway, import the agent's code and serve."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(os.environ)
    except ConfigError as exc:
        raise SystemExit(f"runagents-runtime: configuration error: {exc}") from None
    # The agent's code has no use for the key that proves an invoke came from the platform.
    os.environ.pop(INVOKE_KEY_ENV, None)
    # Before the agent's module is imported, so SDK clients it builds at import time use the gateway.
    injected = inject_sdk_environment(config, os.environ)
    instrumented = install_outbound_tracing()
    logger.info(
        "agent %s: model %r, %d tool(s), %s; set %s",
        config.agent_name,
        config.model,
        len(config.tool_names),
        f"USER_ENTRY_POINT={config.user_entry_point}" if config.user_entry_point else "built-in tool loop",
        ", ".join(sorted(injected)) or "no SDK variables",
    )
    logger.info("run context propagated on outbound calls of: %s", ", ".join(instrumented) or "no HTTP client")
    if config.invoke_key is None:
        logger.warning("%s is not set: /invoke answers anyone who reaches port %d", INVOKE_KEY_ENV, config.port)
    app = create_app(config)
    uvicorn.run(app, host=config.host, port=config.port, log_config=None)


if __name__ == "__main__":
    main()
