import numpy as np
from openai import OpenAI

EMBED_MODEL = "text-embedding-3-small"
CHAT_MODEL = "gpt-4o"
DOCS = ["Refunds are processed within 5 days.", "Shipping is free above 50 EUR.", "Support: support@shop.example"]

client = OpenAI()


def embed(texts):
    result = client.embeddings.create(model=EMBED_MODEL, input=texts)
    return np.array([item.embedding for item in result.data])


def answer(question):
    flagged = client.moderations.create(model="omni-moderation-latest", input=question)
    if flagged.results[0].flagged:
        return "I can't help with that."
    doc_vectors = embed(DOCS)
    query = embed([question])[0]
    best = DOCS[int(np.argmax(doc_vectors @ query))]
    chat = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "system", "content": f"Answer using: {best}"}, {"role": "user", "content": question}],
    )
    return chat.choices[0].message.content


if __name__ == "__main__":
    print(answer("How long do refunds take?"))
