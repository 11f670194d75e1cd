import requests
from agno.agent import Agent
from agno.models.openai import OpenAIChat

ALPHA_VANTAGE_API_KEY = "retNgaVF9SR5Xa7YMjK1vZlvimR4c3gw"


def stock_quote(symbol: str) -> dict:
    """Latest quote for a ticker symbol."""
    params = {"function": "GLOBAL_QUOTE", "symbol": symbol, "apikey": ALPHA_VANTAGE_API_KEY}
    return requests.get("https://www.alphavantage.co/query", params=params).json()


agent = Agent(
    model=OpenAIChat(id="gpt-4o"),
    tools=[stock_quote],
    instructions=["Use tables to display data."],
    markdown=True,
)

agent.print_response("Summarize the latest quote for NVDA", stream=True)
