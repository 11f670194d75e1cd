import asyncio
import os

import aiohttp

JIRA_URL = os.environ.get("JIRA_URL", "https://acme.atlassian.net")
AUTH = aiohttp.BasicAuth(os.environ.get("JIRA_USER", ""), os.environ.get("JIRA_TOKEN", ""))


async def create_issue(session, summary):
    payload = {"fields": {"project": {"key": "OPS"}, "summary": summary, "issuetype": {"name": "Task"}}}
    async with session.post(JIRA_URL + "/rest/api/3/issue", json=payload) as resp:
        return await resp.json()


async def transition(session, key, transition_id):
    url = f"{JIRA_URL}/rest/api/3/issue/{key}/transitions"
    async with session.request("POST", url, json={"transition": {"id": transition_id}}) as resp:
        return resp.status


async def main():
    async with aiohttp.ClientSession(auth=AUTH) as session:
        issue = await create_issue(session, "Rotate credentials")
        await transition(session, issue["key"], "31")


if __name__ == "__main__":
    asyncio.run(main())
