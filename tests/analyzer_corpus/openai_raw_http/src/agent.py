import os

import requests

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
SERPER_URL = "https://google.serper.dev/search"


def search(query):
    r = requests.post(SERPER_URL, headers={"X-API-KEY": os.environ["SERPER_API_KEY"]}, json={"q": query})
    return r.json().get("organic", [])[:3]


def complete(prompt):
    r = requests.post(
        OPENAI_URL,
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
        timeout=60,
    )
    return r.json()["choices"][0]["message"]["content"]


if __name__ == "__main__":
    hits = search("latest python release")
    print(complete(f"Summarize: {hits}"))
