import os

from openai import OpenAI

MODEL = "gpt-4o-mini"
SYSTEM_PROMPT = "You are a concise assistant that answers questions about Python."

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def ask(question: str) -> str:
    response = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
        temperature=0.2,
    )
    return response.choices[0].message.content


if __name__ == "__main__":
    print(ask("What is a generator?"))
