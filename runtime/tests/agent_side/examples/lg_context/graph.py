"""LangGraph with an async node and a context schema (langgraph >= 0.6 style)."""

from dataclasses import dataclass

from langchain_core.messages import AIMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime


@dataclass
class Context:
    greeting: str = "Hi"


async def respond(state: MessagesState, runtime: Runtime[Context]) -> dict:
    last = state["messages"][-1].content
    return {"messages": [AIMessage(content=f"{runtime.context.greeting}, you said: {last}")]}


builder = StateGraph(MessagesState, context_schema=Context)
builder.add_node("respond", respond)
builder.add_edge(START, "respond")
builder.add_edge("respond", END)
my_graph = builder.compile()
