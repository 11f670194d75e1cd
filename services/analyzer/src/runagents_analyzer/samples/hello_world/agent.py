"""Hello World agent: calls the platform's starter echo tool, then asks the LLM one question."""

import os

import requests
from openai import OpenAI

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")
SYSTEM_PROMPT = (
    "You are a friendly hello-world agent. "
    "Use the echo tool when asked to echo or say hello through it."
)


def call_echo_tool(message: str) -> dict[str, object]:
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    result: dict[str, object] = response.json()
    return result


def ask_llm(question: str) -> str:
    client = OpenAI(base_url=os.environ.get("OPENAI_BASE_URL", "http://localhost:8000/llm/v1"))
    completion = client.chat.completions.create(
        model=os.environ.get("LLM_MODEL", "playground-mini"),
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
    )
    return completion.choices[0].message.content or ""


if __name__ == "__main__":
    # 1. Calls the built-in echo tool
    echo_result = call_echo_tool("Hello from my first agent!")
    print("echo:", echo_result)

    # 2. Asks the LLM a question via the gateway
    answer = ask_llm("Summarize what RunAgents does in one sentence.")
    print("llm:", answer)
