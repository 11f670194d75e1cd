import requests
from smolagents import CodeAgent, InferenceClientModel, tool


@tool
def wiki_summary(title: str) -> str:
    """Returns the summary of a Wikipedia page.

    Args:
        title: page title, e.g. "Alan Turing"
    """
    r = requests.get(
        "https://en.wikipedia.org/w/api.php",
        params={"action": "query", "prop": "extracts", "exintro": 1, "titles": title, "format": "json"},
    )
    pages = r.json()["query"]["pages"]
    return next(iter(pages.values())).get("extract", "")


model = InferenceClientModel(model_id="Qwen/Qwen2.5-Coder-32B-Instruct")
agent = CodeAgent(tools=[wiki_summary], model=model, add_base_tools=False)

if __name__ == "__main__":
    agent.run("When was Alan Turing born?")
