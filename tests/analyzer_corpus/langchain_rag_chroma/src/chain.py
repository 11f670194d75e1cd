from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_openai import ChatOpenAI

from ingest import build_store

PROMPT = ChatPromptTemplate.from_template("Answer from context only.\n{context}\nQuestion: {question}")

retriever = build_store("https://docs.python.org/3/tutorial/index.html").as_retriever()
llm = ChatOpenAI(model_name="gpt-3.5-turbo", temperature=0)
chain = {"context": retriever, "question": RunnablePassthrough()} | PROMPT | llm | StrOutputParser()

if __name__ == "__main__":
    print(chain.invoke("How do I define a class?"))
