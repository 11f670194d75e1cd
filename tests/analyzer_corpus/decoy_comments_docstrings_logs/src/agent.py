"""Status reporter.

Inspired by https://github.com/openai/openai-cookbook and the API docs at
https://docs.anthropic.com/en/api/messages . Questions: maintainer@statusbot.dev
Example:
    requests.post("https://api.example.com/v1/report", json=payload)
"""
import logging

import requests

logger = logging.getLogger("status")

STATUS_PAGE = "https://www.githubstatus.com/api/v2/status.json"
# OLD_STATUS = "https://status.legacy-provider.com/api"
# requests.get("https://status.legacy-provider.com/api/v1/summary")
# client = OpenAI(api_key="sk-...")
# resp = client.chat.completions.create(model="gpt-4", messages=messages)


def check():
    """Fetch https://www.githubstatus.com and return the indicator."""
    logger.debug("GET %s", "https://www.githubstatus.com/api/v2/status.json")
    data = requests.get(STATUS_PAGE, timeout=5).json()
    if data["status"]["indicator"] == "unknown":
        raise RuntimeError("unexpected answer from https://www.githubstatus.com, see https://help.statusbot.dev")
    print("Full report at https://www.githubstatus.com/history")
    return data["status"]["indicator"]


def _unused_example():
    """
    >>> requests.post("https://hooks.zapier.com/hooks/catch/123/abc", json={})
    """
    pass


if __name__ == "__main__":
    print(check())
