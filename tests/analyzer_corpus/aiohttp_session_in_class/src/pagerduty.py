import asyncio
import os

import aiohttp


class PagerDuty:
    def __init__(self, token: str):
        self.session = aiohttp.ClientSession(
            base_url="https://api.pagerduty.com",
            headers={"Authorization": f"Token token={token}", "Accept": "application/vnd.pagerduty+json;version=2"},
        )

    async def open_incidents(self):
        async with self.session.get("/incidents", params={"statuses[]": "triggered"}) as resp:
            return (await resp.json())["incidents"]

    async def acknowledge(self, incident_id: str, email: str):
        body = {"incident": {"type": "incident_reference", "status": "acknowledged"}}
        async with self.session.put(f"/incidents/{incident_id}", json=body, headers={"From": email}) as resp:
            return resp.status

    async def close(self):
        await self.session.close()


async def main():
    pd = PagerDuty(os.environ["PD_TOKEN"])
    for incident in await pd.open_incidents():
        await pd.acknowledge(incident["id"], "oncall@acme.io")
    await pd.close()


if __name__ == "__main__":
    asyncio.run(main())
