import os

import requests
from langchain.agents import AgentExecutor, create_tool_calling_agent
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import StructuredTool
from langchain_openai import ChatOpenAI

from config import CONFIG

AUTH = (os.environ["CLOSE_API_KEY"], "")


def find_lead(name: str) -> dict:
    return requests.get(f"{CONFIG['crm_base']}/lead/", params={"query": name}, auth=AUTH).json()


def add_note(lead_id: str, note: str) -> dict:
    return requests.post(CONFIG["crm_base"] + "/activity/note/", json={"lead_id": lead_id, "note": note}, auth=AUTH).json()


tools = [
    StructuredTool.from_function(find_lead, description="Find a lead by name"),
    StructuredTool.from_function(add_note, description="Add a note to a lead"),
]
llm = ChatOpenAI(model=CONFIG["llm"]["model"], temperature=CONFIG["llm"]["temperature"])
prompt = ChatPromptTemplate.from_messages(
    [("system", "You are a sales assistant."), ("human", "{input}"), ("placeholder", "{agent_scratchpad}")]
)
executor = AgentExecutor(agent=create_tool_calling_agent(llm, tools, prompt), tools=tools)

if __name__ == "__main__":
    print(executor.invoke({"input": "Add a note to Acme's lead: call back Monday"})["output"])
