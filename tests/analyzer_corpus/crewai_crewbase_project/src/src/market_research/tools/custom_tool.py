import os
from typing import Type

import requests
from crewai.tools import BaseTool
from pydantic import BaseModel, Field


class NewsSearchInput(BaseModel):
    query: str = Field(..., description="What to search for")


class NewsSearchTool(BaseTool):
    name: str = "news_search"
    description: str = "Searches recent news via Serper."
    args_schema: Type[BaseModel] = NewsSearchInput

    def _run(self, query: str) -> str:
        response = requests.post(
            "https://google.serper.dev/news",
            headers={"X-API-KEY": os.getenv("SERPER_API_KEY"), "Content-Type": "application/json"},
            json={"q": query},
        )
        return response.text
