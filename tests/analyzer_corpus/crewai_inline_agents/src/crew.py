import requests
from crewai import Agent, Crew, Task
from crewai.tools import tool


@tool("Hacker News top stories")
def top_stories(limit: int = 5) -> str:
    """Titles of the current top Hacker News stories."""
    ids = requests.get("https://hacker-news.firebaseio.com/v0/topstories.json").json()[:limit]
    return "\n".join(
        requests.get(f"https://hacker-news.firebaseio.com/v0/item/{i}.json").json()["title"] for i in ids
    )


researcher = Agent(
    role="Tech researcher",
    goal="Find what is trending in tech",
    backstory="You follow Hacker News closely.",
    tools=[top_stories],
    llm="gpt-4o",
)
writer = Agent(role="Writer", goal="Write a newsletter", backstory="Concise writer.", llm="anthropic/claude-3-5-sonnet-20241022")

research = Task(description="List 5 trending topics", expected_output="5 bullets", agent=researcher)
newsletter = Task(description="Write the newsletter", expected_output="Markdown", agent=writer)

crew = Crew(agents=[researcher, writer], tasks=[research, newsletter])

if __name__ == "__main__":
    print(crew.kickoff())
