import os

from huggingface_hub import InferenceClient
from sentence_transformers import SentenceTransformer

encoder = SentenceTransformer("all-MiniLM-L6-v2")
client = InferenceClient(model="meta-llama/Llama-3.1-8B-Instruct", token=os.environ["HF_TOKEN"])

FAQ = ["Our office is open 9-5.", "Parking is in building B."]
faq_vectors = encoder.encode(FAQ)


def answer(question: str) -> str:
    scores = encoder.encode([question]) @ faq_vectors.T
    context = FAQ[int(scores.argmax())]
    out = client.chat_completion(
        messages=[{"role": "system", "content": context}, {"role": "user", "content": question}],
        max_tokens=200,
    )
    return out.choices[0].message.content


if __name__ == "__main__":
    print(answer("When are you open?"))
