import os

import requests
from openai import OpenAI

SEARCH_URL = os.environ["TOOL_URL_SEARCH"]
CRM_URL = os.getenv("TOOL_URL_CRM")

client = OpenAI()


def search(q):
    return requests.get(f"{SEARCH_URL}/search", params={"q": q}).json()


def log_lead(name, email):
    return requests.post(CRM_URL + "/leads", json={"name": name, "email": email}).json()


def run(user_message):
    hits = search(user_message)
    answer = client.chat.completions.create(
        model=os.environ.get("LLM_MODEL", "gpt-4o-mini"),
        messages=[{"role": "system", "content": f"Context: {hits}"}, {"role": "user", "content": user_message}],
    )
    log_lead("web visitor", "lead@prospect.io")
    return answer.choices[0].message.content


if __name__ == "__main__":
    print(run("Which plan fits a team of 10?"))
