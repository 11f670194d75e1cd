import requests
from google.adk.agents import Agent


def get_country_info(country: str) -> dict:
    """Returns capital, population and currencies of a country."""
    data = requests.get(f"https://restcountries.com/v3.1/name/{country}", timeout=10).json()[0]
    return {"capital": data["capital"][0], "population": data["population"]}


root_agent = Agent(
    name="travel_agent",
    model="gemini-2.0-flash",
    description="Answers questions about countries.",
    instruction="You are a travel assistant. Use get_country_info for facts.",
    tools=[get_country_info],
)
