"""An OpenAI Agents SDK agent as the SDK's docs write one: a module-level Agent, no handler."""

from agents import Agent, function_tool, set_default_openai_api, set_tracing_disabled

# A provider other than OpenAI's own speaks chat completions, and has no trace dashboard.
set_default_openai_api("chat_completions")
set_tracing_disabled(True)


@function_tool
def shout(text: str) -> str:
    """Say the text loudly."""
    return text.upper()


assistant = Agent(name="Shouter", instructions="Use the shout tool, then answer.", model="gpt-4o-mini",
                  tools=[shout])
