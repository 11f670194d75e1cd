import asyncio

import requests
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

Settings.llm = OpenAI(model="gpt-4o-mini", temperature=0.1)
Settings.embed_model = OpenAIEmbedding(model="text-embedding-3-small")

documents = SimpleDirectoryReader("data").load_data()
index = VectorStoreIndex.from_documents(documents)
query_engine = index.as_query_engine()


async def search_documents(query: str) -> str:
    """Answer questions about the handbook."""
    return str(await query_engine.aquery(query))


def exchange_rate(base: str, target: str) -> float:
    """Latest exchange rate between two currencies."""
    data = requests.get("https://api.frankfurter.app/latest", params={"from": base, "to": target}).json()
    return data["rates"][target]


agent = FunctionAgent(tools=[search_documents, exchange_rate], llm=Settings.llm,
                      system_prompt="You answer HR and travel-expense questions.")


async def main():
    print(await agent.run("How much is a 100 USD per diem in EUR?"))


if __name__ == "__main__":
    asyncio.run(main())
