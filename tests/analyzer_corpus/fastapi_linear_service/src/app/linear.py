import os

import httpx

LINEAR_API = "https://api.linear.app/graphql"

CREATE_ISSUE = """
mutation($title: String!, $teamId: String!) { issueCreate(input: {title: $title, teamId: $teamId}) { success } }
"""


async def create_issue(title: str) -> bool:
    async with httpx.AsyncClient(headers={"Authorization": os.environ["LINEAR_API_KEY"]}) as client:
        r = await client.post(
            LINEAR_API, json={"query": CREATE_ISSUE, "variables": {"title": title, "teamId": os.environ["TEAM"]}}
        )
    return r.json()["data"]["issueCreate"]["success"]
