import asyncio

import aiohttp
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.ui import Console
from autogen_ext.models.openai import OpenAIChatCompletionClient

COINGECKO = "https://api.coingecko.com/api/v3"


async def coin_price(coin_id: str) -> str:
    """Current USD price of a coin."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{COINGECKO}/simple/price", params={"ids": coin_id, "vs_currencies": "usd"}) as resp:
            data = await resp.json()
    return str(data[coin_id]["usd"])


async def main() -> None:
    model_client = OpenAIChatCompletionClient(model="gpt-4o")
    agent = AssistantAgent(
        name="analyst",
        model_client=model_client,
        tools=[coin_price],
        system_message="You are a crypto market analyst.",
    )
    await Console(agent.run_stream(task="What is the price of bitcoin?"))
    await model_client.close()


asyncio.run(main())
