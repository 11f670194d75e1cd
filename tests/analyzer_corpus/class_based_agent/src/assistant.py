import asyncio

import httpx
from openai import AsyncOpenAI
from pydantic import BaseModel


class Plan(BaseModel):
    steps: list[str]


class ResearchAssistant:
    def __init__(self, model: str = "gpt-4o-2024-11-20", search_url: str = "https://api.search.brave.com/res/v1"):
        self.model = model
        self.search_url = search_url
        self.client = AsyncOpenAI()

    async def plan(self, goal: str) -> Plan:
        completion = await self.client.beta.chat.completions.parse(
            model=self.model,
            messages=[{"role": "user", "content": f"Plan research for: {goal}"}],
            response_format=Plan,
        )
        return completion.choices[0].message.parsed

    async def search(self, query: str) -> str:
        chunks = []
        async with httpx.AsyncClient() as http:
            async with http.stream("GET", f"{self.search_url}/web/search", params={"q": query}) as resp:
                async for chunk in resp.aiter_text():
                    chunks.append(chunk)
        return "".join(chunks)

    async def run(self, goal: str) -> list[str]:
        plan = await self.plan(goal)
        return [await self.search(step) for step in plan.steps]


if __name__ == "__main__":
    print(asyncio.run(ResearchAssistant().run("solid-state batteries")))
