import httpx
from strands import Agent, tool
from strands.models import BedrockModel


@tool
def word_definition(word: str) -> str:
    """Look up the definition of an English word."""
    r = httpx.get(f"https://api.dictionaryapi.dev/api/v2/entries/en/{word}")
    return r.json()[0]["meanings"][0]["definitions"][0]["definition"]


bedrock_model = BedrockModel(
    model_id="us.anthropic.claude-sonnet-4-20250514-v1:0",
    region_name="us-west-2",
    temperature=0.3,
)
agent = Agent(model=bedrock_model, tools=[word_definition], system_prompt="You are a vocabulary tutor.")

if __name__ == "__main__":
    agent("What does 'sesquipedalian' mean?")
