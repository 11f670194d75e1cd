import asyncio

import httpx
from claude_agent_sdk import ClaudeAgentOptions, create_sdk_mcp_server, query, tool


@tool("pypi_version", "Latest version of a PyPI package", {"name": str})
async def pypi_version(args):
    async with httpx.AsyncClient() as client:
        r = await client.get(f"https://pypi.org/pypi/{args['name']}/json")
    return {"content": [{"type": "text", "text": r.json()["info"]["version"]}]}


server = create_sdk_mcp_server(name="pypi", version="1.0.0", tools=[pypi_version])


async def main():
    options = ClaudeAgentOptions(
        model="claude-sonnet-4-5",
        system_prompt="You keep requirements files up to date.",
        mcp_servers={"pypi": server},
        allowed_tools=["mcp__pypi__pypi_version", "Read", "Edit"],
    )
    async for message in query(prompt="Update requirements.txt to the latest versions", options=options):
        print(message)


if __name__ == "__main__":
    asyncio.run(main())
