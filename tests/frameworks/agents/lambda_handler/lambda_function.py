"""An AWS Lambda function behind API Gateway: it reads the JSON body, runs a tool-calling loop with
the OpenAI SDK, and answers with a proxy response."""

import json
import os

import requests
from openai import OpenAI

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")
TOOLS = [{
    "type": "function",
    "function": {
        "name": "echo",
        "description": "Echo a message back, exactly as the echo service returns it.",
        "parameters": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]},
    },
}]
client = OpenAI()


def echo(message: str) -> str:
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    return response.text


def lambda_handler(event, context):
    body = json.loads(event.get("body") or "{}")
    messages = [{"role": "system", "content": "Use the echo tool when the user asks you to echo something."},
                {"role": "user", "content": body["message"]}]
    for _ in range(5):
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message
        if not reply.tool_calls:
            return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
                    "body": json.dumps({"reply": reply.content})}
        messages.append(reply.model_dump(exclude_none=True))
        for call in reply.tool_calls:
            output = echo(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
    return {"statusCode": 500, "body": json.dumps({"error": "too many tool rounds"})}
