import os

import requests
from langchain_core.tools import tool

TAVILY_ENDPOINT = "https://api.tavily.com/search"


@tool
def web_search(query: str) -> str:
    """Search the web."""
    payload = {"api_key": os.environ["TAVILY_API_KEY"], "query": query, "max_results": 3}
    response = requests.post(TAVILY_ENDPOINT, json=payload, timeout=30)
    return "\n".join(r["content"] for r in response.json()["results"])
