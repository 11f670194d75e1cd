import requests
from anthropic import Anthropic

from common.settings import settings


class Agent:
    def __init__(self, model: str = "claude-3-5-haiku-latest"):
        self.model = model
        self.client = Anthropic(api_key=settings.anthropic_api_key)

    def research(self, topic: str) -> str:
        papers = requests.get(
            "http://export.arxiv.org/api/query", params={"search_query": f"all:{topic}", "max_results": 5}
        ).text
        message = self.client.messages.create(
            model=self.model,
            max_tokens=800,
            messages=[{"role": "user", "content": f"Summarize these papers:\n{papers}"}],
        )
        return message.content[0].text
