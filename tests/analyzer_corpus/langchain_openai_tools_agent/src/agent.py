import os

import requests
from langchain.agents import AgentExecutor, create_openai_tools_agent
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

GITHUB_API = "https://api.github.com"
HEADERS = {"Authorization": f"Bearer {os.environ['GITHUB_TOKEN']}", "Accept": "application/vnd.github+json"}


@tool
def list_open_issues(repo: str) -> list:
    """List open issues of a repository given as owner/name."""
    r = requests.get(f"{GITHUB_API}/repos/{repo}/issues", headers=HEADERS, params={"state": "open"})
    return [i["title"] for i in r.json()]


@tool
def comment_on_issue(repo: str, number: int, body: str) -> str:
    """Post a comment on an issue."""
    url = GITHUB_API + "/repos/" + repo + "/issues/" + str(number) + "/comments"
    r = requests.post(url, headers=HEADERS, json={"body": body})
    return r.json()["html_url"]


llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a GitHub triage assistant."),
        ("human", "{input}"),
        MessagesPlaceholder("agent_scratchpad"),
    ]
)
tools = [list_open_issues, comment_on_issue]
agent = create_openai_tools_agent(llm, tools, prompt)
executor = AgentExecutor(agent=agent, tools=tools, verbose=True)

if __name__ == "__main__":
    executor.invoke({"input": "Summarize open issues in octocat/Hello-World"})
