import httpx
from langgraph.prebuilt import create_react_agent

jira = httpx.Client(base_url="https://acme.atlassian.net/rest/api/3", timeout=20)


def get_issue(key: str) -> dict:
    """Fetch a Jira issue by key."""
    return jira.get(f"/issue/{key}").json()


def add_comment(key: str, text: str) -> dict:
    """Add a comment to a Jira issue."""
    return jira.post(f"/issue/{key}/comment", json={"body": text}).json()


agent = create_react_agent(
    "anthropic:claude-3-7-sonnet-latest",
    tools=[get_issue, add_comment],
    prompt="You help engineers manage Jira issues.",
)

if __name__ == "__main__":
    print(agent.invoke({"messages": [{"role": "user", "content": "What is PROJ-12 about?"}]}))
