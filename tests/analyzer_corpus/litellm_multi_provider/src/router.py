import litellm
from litellm import completion

FAST = "gpt-4o-mini"
SMART = "anthropic/claude-3-haiku-20240307"


def route(prompt: str, hard: bool = False) -> str:
    if hard:
        response = completion(model=SMART, messages=[{"role": "user", "content": prompt}])
    else:
        response = completion(model=FAST, messages=[{"role": "user", "content": prompt}])
    return response.choices[0].message.content


def embed(text: str):
    return litellm.embedding(model="text-embedding-3-small", input=[text])


if __name__ == "__main__":
    print(route("Prove that sqrt(2) is irrational", hard=True))
