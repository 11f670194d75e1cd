import os

from agents import Agent, Runner
from agents.extensions.models.litellm_model import LitellmModel

# export ANTHROPIC_API_KEY="sk-ant-..."
api_key = os.getenv("ANTHROPIC_API_KEY", "YOUR_API_KEY")

agent = Agent(
    name="Haiku writer",
    instructions="You only respond in haikus.",
    model=LitellmModel(model="anthropic/claude-3-5-sonnet-20240620", api_key=api_key),
)

if __name__ == "__main__":
    print(Runner.run_sync(agent, "Write about recursion.").final_output)
