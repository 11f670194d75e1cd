import httpx


class HackerNews:
    def __init__(self, base_url: str = "https://hacker-news.firebaseio.com/v0"):
        self._base_url = base_url
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self):
        self._client = httpx.AsyncClient(base_url=self._base_url, timeout=10)
        return self

    async def __aexit__(self, *exc):
        await self._client.aclose()

    async def top_ids(self, limit: int = 10) -> list[int]:
        r = await self._client.get("/topstories.json")
        return r.json()[:limit]

    async def item(self, item_id: int) -> dict:
        r = await self._client.get(f"/item/{item_id}.json")
        return r.json()
