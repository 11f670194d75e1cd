"""Weather agent.

Uses the Open-Meteo API (https://open-meteo.com/en/docs) - no key needed.
"""
import asyncio

import httpx
from anthropic import AsyncAnthropic

GEOCODE_URL = "https://geocoding-api.open-meteo.com/v1/search"
FORECAST_URL = "https://api.open-meteo.com/v1/forecast"

anthropic_client = AsyncAnthropic()


async def forecast(city: str) -> dict:
    async with httpx.AsyncClient(timeout=15.0) as http:
        geo = await http.get(GEOCODE_URL, params={"name": city, "count": 1})
        place = geo.json()["results"][0]
        weather = await http.get(
            FORECAST_URL,
            params={"latitude": place["latitude"], "longitude": place["longitude"], "current_weather": True},
        )
        return weather.json()["current_weather"]


async def main() -> None:
    data = await forecast("Oslo")
    reply = await anthropic_client.messages.create(
        model="claude-3-5-haiku-20241022",
        max_tokens=300,
        messages=[{"role": "user", "content": f"Describe this weather for a tourist: {data}"}],
    )
    print(reply.content[0].text)


if __name__ == "__main__":
    asyncio.run(main())
