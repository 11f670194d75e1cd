"""A LangGraph agent with async nodes and a runtime context schema (LangGraph >= 0.6), no handler:
the system prompt and the temperature come from the context's defaults."""

import os
from dataclasses import dataclass

import httpx
from langchain_core.messages import SystemMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.runtime import Runtime

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


@dataclass
class Context:
    system_prompt: str = "You are a helpful assistant. Use the echo tool when asked to echo something."
    temperature: float = 0.0


@tool
async def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{ECHO_URL}/echo", json={"message": message})
        response.raise_for_status()
        return response.text


async def call_model(state: MessagesState, runtime: Runtime[Context]) -> dict:
    model = ChatOpenAI(model="gpt-4o-mini", temperature=runtime.context.temperature).bind_tools([echo])
    reply = await model.ainvoke([SystemMessage(runtime.context.system_prompt), *state["messages"]])
    return {"messages": [reply]}


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("model", call_model)
builder.add_node("tools", ToolNode([echo]))
builder.add_edge(START, "model")
builder.add_conditional_edges("model", tools_condition)
builder.add_edge("tools", "model")
graph = builder.compile(name="Echo graph")
