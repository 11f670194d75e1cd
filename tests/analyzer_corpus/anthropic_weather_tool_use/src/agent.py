import json
import os

import anthropic
import requests

client = anthropic.Anthropic()
MODEL = os.getenv("ANTHROPIC_MODEL", "claude-3-5-sonnet-latest")

TOOLS = [
    {
        "name": "get_weather",
        "description": "Current weather for a city, from https://wttr.in",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def get_weather(city):
    resp = requests.get(f"https://wttr.in/{city}", params={"format": "j1"}, timeout=10)
    resp.raise_for_status()
    current = resp.json()["current_condition"][0]
    return {"temp_c": current["temp_C"], "desc": current["weatherDesc"][0]["value"]}


def run(prompt):
    messages = [{"role": "user", "content": prompt}]
    while True:
        message = client.messages.create(
            model=MODEL,
            max_tokens=1024,
            system="You are a helpful weather assistant.",
            tools=TOOLS,
            messages=messages,
        )
        if message.stop_reason != "tool_use":
            return "".join(block.text for block in message.content if block.type == "text")
        messages.append({"role": "assistant", "content": message.content})
        results = []
        for block in message.content:
            if block.type == "tool_use":
                output = get_weather(**block.input)
                results.append({"type": "tool_result", "tool_use_id": block.id, "content": json.dumps(output)})
        messages.append({"role": "user", "content": results})


if __name__ == "__main__":
    print(run("Should I bring an umbrella in Lisbon today?"))
