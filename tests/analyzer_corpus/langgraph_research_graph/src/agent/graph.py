from langchain_anthropic import ChatAnthropic
from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from agent.state import State
from agent.tools import web_search

llm = ChatAnthropic(model="claude-3-5-sonnet-20241022", max_tokens=2048).bind_tools([web_search])


def call_model(state: State):
    return {"messages": [llm.invoke(state["messages"])]}


builder = StateGraph(State)
builder.add_node("model", call_model)
builder.add_node("tools", ToolNode([web_search]))
builder.add_edge(START, "model")
builder.add_conditional_edges("model", tools_condition)
builder.add_edge("tools", "model")
graph = builder.compile()
