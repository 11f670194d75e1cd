import asyncio
import os

import httpx
from agents import Agent, Runner, function_tool

WEATHER_KEY = os.environ.get("WEATHER_API_KEY", "")


@function_tool
async def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    async with httpx.AsyncClient() as client:
        r = await client.get(
            "https://api.weatherapi.com/v1/current.json", params={"key": WEATHER_KEY, "q": city}
        )
    data = r.json()
    return f"{data['current']['temp_c']}C and {data['current']['condition']['text']}"


weather_agent = Agent(
    name="Weather assistant",
    instructions="You answer weather questions using the tool.",
    model="gpt-4.1",
    tools=[get_weather],
)

triage = Agent(name="Triage", instructions="Hand off weather questions.", handoffs=[weather_agent], model="gpt-4.1-mini")


async def main():
    result = await Runner.run(triage, "What's the weather in Tokyo?")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
