"""A LangGraph agent: a model node that may call tools, and a tool node, in a loop."""

import os

import requests
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


@tool
def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    return response.text


tools = [echo]
model = ChatOpenAI(model="gpt-4o-mini", temperature=0).bind_tools(tools)


def call_model(state: MessagesState) -> dict:
    return {"messages": [model.invoke(state["messages"])]}


builder = StateGraph(MessagesState)
builder.add_node("model", call_model)
builder.add_node("tools", ToolNode(tools))
builder.add_edge(START, "model")
builder.add_conditional_edges("model", tools_condition)
builder.add_edge("tools", "model")
graph = builder.compile()

if __name__ == "__main__":
    result = graph.invoke({"messages": [("user", "Please echo: hello from LangGraph")]})
    print(result["messages"][-1].content)
