"""An Agents SDK agent whose dynamic instructions read a typed run context that main() would build."""

from dataclasses import dataclass
from typing import Literal

from agents import Agent, RunContextWrapper, set_default_openai_api, set_tracing_disabled

set_default_openai_api("chat_completions")
set_tracing_disabled(True)


@dataclass
class Style:
    voice: Literal["pirate", "robot"]


def instructions(run_context: RunContextWrapper[Style], agent: Agent[Style]) -> str:
    return f"Answer as a {run_context.context.voice}."


agent = Agent(name="Styled", instructions=instructions, model="gpt-4o-mini")
