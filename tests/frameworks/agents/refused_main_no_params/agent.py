"""An OpenAI Agents SDK example as the SDK's examples write them: the agent is built and run on a
fixed question inside main(), which takes no parameter."""

import asyncio

from agents import Agent, Runner


async def main():
    agent = Agent(name="Assistant", instructions="You only respond in haikus.", model="gpt-4.1-mini")
    result = await Runner.run(agent, "Tell me about recursion in programming.")
    print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
