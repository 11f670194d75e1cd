import instructor
from openai import OpenAI
from pydantic import BaseModel


class Invoice(BaseModel):
    vendor: str
    total: float
    currency: str


client = instructor.from_openai(OpenAI())


def extract_invoice(text: str) -> Invoice:
    return client.chat.completions.create(
        model="gpt-4o-mini",
        response_model=Invoice,
        messages=[{"role": "user", "content": text}],
        max_retries=2,
    )


if __name__ == "__main__":
    print(extract_invoice("ACME GmbH, total due 1.234,50 EUR"))
