from factory import get_llm
from llm_client import MODEL, client


def classify(text: str) -> str:
    result = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": f"Positive or negative? {text}"}]
    )
    return result.choices[0].message.content


if __name__ == "__main__":
    print(classify("I love it"), get_llm("anthropic").invoke("hi").content)
