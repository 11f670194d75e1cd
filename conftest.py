pytest_plugins = ["runagents_common.testing"]
