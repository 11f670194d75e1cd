import cohere

co = cohere.ClientV2()

DOCUMENTS = [
    "Carson City is the capital city of the American state of Nevada.",
    "Washington, D.C. is the capital of the United States.",
]


def search(query):
    emb = co.embed(
        model="embed-english-v3.0", texts=[query], input_type="search_query", embedding_types=["float"]
    )
    ranked = co.rerank(model="rerank-english-v3.0", query=query, documents=DOCUMENTS, top_n=1)
    return emb, DOCUMENTS[ranked.results[0].index]


def answer(query):
    _, doc = search(query)
    res = co.chat(
        model="command-r-plus-08-2024",
        messages=[{"role": "user", "content": query}],
        documents=[{"data": {"text": doc}}],
    )
    return res.message.content[0].text


if __name__ == "__main__":
    print(answer("What is the capital of the United States?"))
