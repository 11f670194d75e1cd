import os

from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings, ChatOpenAI

primary = ChatOpenAI(
    model=os.getenv("MODEL_NAME", "gpt-4o"),
    base_url=os.getenv("OPENAI_BASE_URL"),
    temperature=0,
)

fallback = AzureChatOpenAI(
    azure_deployment="gpt-4o-prod",
    api_version="2024-10-21",
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
)

embeddings = AzureOpenAIEmbeddings(azure_deployment="text-embedding-3-large")

chain = primary.with_fallbacks([fallback])

if __name__ == "__main__":
    print(chain.invoke("Say hello in French").content)
