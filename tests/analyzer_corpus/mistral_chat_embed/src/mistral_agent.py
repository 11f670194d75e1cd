import os

from mistralai import Mistral

api_key = os.environ["MISTRAL_API_KEY"]
model = "mistral-large-latest"

client = Mistral(api_key=api_key)


def classify_ticket(ticket: str) -> str:
    chat_response = client.chat.complete(
        model=model,
        messages=[{"role": "user", "content": f"Classify this support ticket: {ticket}"}],
    )
    return chat_response.choices[0].message.content


def embed_tickets(tickets):
    return client.embeddings.create(model="mistral-embed", inputs=tickets)


if __name__ == "__main__":
    print(classify_ticket("My invoice is wrong"))
