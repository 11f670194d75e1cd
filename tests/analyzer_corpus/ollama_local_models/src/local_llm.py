import ollama
from ollama import Client

remote = Client(host="http://localhost:11434")


def chat(prompt):
    response = ollama.chat(model="llama3.1", messages=[{"role": "user", "content": prompt}])
    return response["message"]["content"]


def embed(text):
    return ollama.embed(model="nomic-embed-text", input=text)["embeddings"][0]


def chat_remote(prompt):
    return remote.chat(model="qwen2.5:7b", messages=[{"role": "user", "content": prompt}])


if __name__ == "__main__":
    print(chat("Why is the sky blue?"))
