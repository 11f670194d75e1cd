from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import httpx
from pydantic_ai import Agent, RunContext


@dataclass
class Deps:
    client: httpx.AsyncClient


agent = Agent(
    "openai:gpt-4o",
    deps_type=Deps,
    system_prompt="You answer questions about GitHub users and their repositories.",
)


@agent.tool
async def user_repos(ctx: RunContext[Deps], username: str) -> list[str]:
    """List a user's public repositories."""
    r = await ctx.deps.client.get(f"/users/{username}/repos")
    return [repo["full_name"] for repo in r.json()]


async def main():
    async with httpx.AsyncClient(
        base_url="https://api.github.com", headers={"Authorization": f"token {os.environ['GH_TOKEN']}"}
    ) as client:
        profile = await client.get("/users/torvalds")
        result = await agent.run(f"Summarize {profile.json()['login']}'s repos", deps=Deps(client))
        print(result.output)


if __name__ == "__main__":
    asyncio.run(main())
