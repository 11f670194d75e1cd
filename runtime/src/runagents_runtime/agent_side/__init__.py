"""The part of the runtime that runs inside the agent's own interpreter, beside the agent's code.

Standard library only: the agent's environment holds the agent's packages at the versions it
declares, and nothing of the platform's (a test imports this package with `python -I -S`).
"""
