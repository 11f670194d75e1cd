import os

from anthropic import Anthropic
from openai import OpenAI

DEFAULT_PARAMS = {"model": "gpt-4o-2024-08-06", "temperature": 0.3, "max_tokens": 600}

oa = OpenAI()
claude = Anthropic(api_key=os.environ.get("ANTHROPIC_API_KEY"))


def answer(messages):
    params = {**DEFAULT_PARAMS, "messages": messages}
    return oa.chat.completions.create(**params).choices[0].message.content


def stream_answer(question):
    with claude.messages.stream(
        model="claude-3-5-sonnet-20241022",
        max_tokens=1024,
        messages=[{"role": "user", "content": question}],
    ) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)


if __name__ == "__main__":
    stream_answer("Explain CRDTs briefly.")
