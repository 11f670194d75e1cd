import asyncio
import functools

import requests
from tenacity import retry, stop_after_attempt, wait_exponential

RSS = "https://feeds.bbci.co.uk/news/technology/rss.xml"
TRANSLATE = "https://api-free.deepl.com/v2/translate"


@retry(stop=stop_after_attempt(3), wait=wait_exponential(min=1, max=10))
def translate(text, target="DE"):
    resp = requests.request("POST", TRANSLATE, data={"text": text, "target_lang": target})
    resp.raise_for_status()
    return resp.json()["translations"][0]["text"]


async def fetch_feed():
    resp = await asyncio.to_thread(requests.get, RSS, timeout=10)
    return resp.text


async def fetch_page(url):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(requests.get, url))


async def main():
    feed = await fetch_feed()
    print(translate(feed[:500]))


if __name__ == "__main__":
    asyncio.run(main())
