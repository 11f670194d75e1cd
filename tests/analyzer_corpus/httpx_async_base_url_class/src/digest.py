import asyncio

from openai import AsyncOpenAI

from clients.hn import HackerNews

llm = AsyncOpenAI()


async def main():
    async with HackerNews() as hn:
        stories = [await hn.item(i) for i in await hn.top_ids(5)]
    titles = "\n".join(s["title"] for s in stories)
    out = await llm.responses.create(model="gpt-4.1-nano", input=f"Make a digest:\n{titles}")
    print(out.output_text)


asyncio.run(main())
