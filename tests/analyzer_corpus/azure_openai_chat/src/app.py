import os

from dotenv import load_dotenv
from openai import AzureOpenAI

load_dotenv()

client = AzureOpenAI(
    azure_endpoint="https://contoso-assistant.openai.azure.com/",
    api_key=os.getenv("AZURE_OPENAI_API_KEY"),
    api_version="2024-08-01-preview",
)
DEPLOYMENT = "gpt-4o"


def main():
    completion = client.chat.completions.create(
        model=DEPLOYMENT,
        messages=[{"role": "user", "content": "Write a haiku about the sea."}],
    )
    print(completion.choices[0].message.content)


if __name__ == "__main__":
    main()
