import openai
import requests

openai.api_key = "sk-proj-RtJsjy0HntYhjVZxF23WRLfLD0YIdi6fOPX7KUuaaoFewMuU"


def joke():
    return requests.get("https://official-joke-api.appspot.com/random_joke").json()


def explain(j):
    completion = openai.ChatCompletion.create(
        model="gpt-3.5-turbo",
        messages=[{"role": "user", "content": f"Explain this joke: {j['setup']} {j['punchline']}"}],
    )
    return completion["choices"][0]["message"]["content"]


if __name__ == "__main__":
    print(explain(joke()))
