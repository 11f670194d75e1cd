from functools import lru_cache

from openai import OpenAI

from core.config import settings


@lru_cache
def get_client() -> OpenAI:
    return OpenAI()


def complete(prompt: str, system: str = "You are helpful.") -> str:
    client = get_client()
    response = client.chat.completions.create(
        model=settings.openai_model,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
    )
    return response.choices[0].message.content


def embed(texts: list[str]) -> list[list[float]]:
    data = get_client().embeddings.create(model=settings.embedding_model, input=texts).data
    return [d.embedding for d in data]
