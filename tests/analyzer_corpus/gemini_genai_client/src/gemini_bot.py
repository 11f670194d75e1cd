from google import genai
from google.genai import types

GEMINI_API_KEY = "AIzaGAPM8RY0pILgmWrweeQU4Dif9eloC3kkV0H"

client = genai.Client(api_key=GEMINI_API_KEY)


def reply(prompt: str) -> str:
    response = client.models.generate_content(
        model="gemini-2.0-flash",
        contents=prompt,
        config=types.GenerateContentConfig(system_instruction="You are a friendly travel guide."),
    )
    return response.text


def vector(text: str):
    result = client.models.embed_content(model="text-embedding-004", contents=text)
    return result.embeddings[0].values


if __name__ == "__main__":
    print(reply("Three things to do in Kyoto"))
    print(len(vector("Kyoto")))
