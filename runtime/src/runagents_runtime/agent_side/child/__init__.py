"""The agent's process: what the runtime's server starts with the agent's own interpreter.

`bootstrap` makes `runagents_runtime.agent_side` importable without the rest of the platform,
`protocol` is the conversation with the server over a socket of its own (never stdin/stdout,
which stay the agent's log), `outbound` numbers and labels the agent's HTTP calls (with the
headers `wire` spells for the server too), `errors` says what went wrong without leaking a
secret, and `main` serves the turns.
"""
