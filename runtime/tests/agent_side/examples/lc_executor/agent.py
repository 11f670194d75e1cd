"""A LangChain 0.3 tool-calling agent driven by an AgentExecutor."""

from langchain.agents import AgentExecutor, create_tool_calling_agent
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def shout(text: str) -> str:
    """Say the text loudly."""
    return text.upper()


prompt = ChatPromptTemplate.from_messages([
    ("system", "Use the shout tool."), ("human", "{input}"), ("placeholder", "{agent_scratchpad}"),
])
agent = create_tool_calling_agent(ChatOpenAI(model="gpt-4o-mini"), [shout], prompt)
executor = AgentExecutor(agent=agent, tools=[shout])
