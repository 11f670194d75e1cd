import os

from openai import OpenAI

openrouter = OpenAI(base_url="https://openrouter.ai/api/v1", api_key=os.getenv("OPENROUTER_API_KEY"))
deepseek = OpenAI(api_key=os.environ["DEEPSEEK_API_KEY"], base_url="https://api.deepseek.com")


def draft(topic):
    r = openrouter.chat.completions.create(
        model="meta-llama/llama-3.1-70b-instruct",
        messages=[{"role": "user", "content": f"Draft a blog intro about {topic}"}],
    )
    return r.choices[0].message.content


def critique(text):
    r = deepseek.chat.completions.create(
        model="deepseek-chat", messages=[{"role": "user", "content": f"Critique: {text}"}]
    )
    return r.choices[0].message.content


if __name__ == "__main__":
    print(critique(draft("vector databases")))
