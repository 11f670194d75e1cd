import os

import requests
from langchain_core.tools import tool

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


@tool
def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    return response.text
