import os

import requests
from crewai.tools import BaseTool
from pydantic import BaseModel, Field

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


class EchoInput(BaseModel):
    message: str = Field(..., description="The message to echo.")


class EchoTool(BaseTool):
    name: str = "echo"
    description: str = "Echo a message back, exactly as the echo service returns it."
    args_schema: type[BaseModel] = EchoInput

    def _run(self, message: str) -> str:
        response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
        response.raise_for_status()
        return response.text
