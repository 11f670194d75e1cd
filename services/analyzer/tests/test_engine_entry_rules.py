"""The entry point named with its adapter, target and module, by the shared entry rules
(runagents_contracts.entry_rules) the runtime's loader follows too."""

import textwrap

import pytest
from runagents_contracts.entry import EntryPoint

from runagents_analyzer.engine import analyze_files


def entry_of(files: dict[str, str]) -> EntryPoint:
    report = analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})
    assert report.entry_point is not None
    return report.entry_point


@pytest.mark.parametrize(
    ("code", "adapter", "target"),
    [
        ("from agents import Agent\nmy_agent = Agent(name='a', instructions='b')\n", "openai-agents", "my_agent"),
        ("from agents import Agent\nhelper = Agent(name='h')\ntriage = Agent[Ctx](name='t', handoffs=[helper])\n",
         "openai-agents", "triage"),
        ("from langgraph.graph import StateGraph\nbuilder = StateGraph(dict)\nworkflow = builder.compile()\n",
         "langgraph", "workflow"),
        ("from langgraph.prebuilt import create_react_agent\nbot = create_react_agent(model, tools)\n",
         "langgraph", "bot"),
        ("from langchain.agents import create_agent\nassistant = create_agent('openai:gpt-4o', tools=[])\n",
         "langgraph", "assistant"),
        ("from langchain.agents import AgentExecutor, create_tool_calling_agent\n"
         "runnable = create_tool_calling_agent(llm, tools, prompt)\nrunner = AgentExecutor(agent=runnable, tools=t)\n",
         "langchain", "runner"),
        ("from langchain_core.prompts import ChatPromptTemplate\nfrom langchain_openai import ChatOpenAI\n"
         "prompt = ChatPromptTemplate.from_template('{q}')\nqa = prompt | ChatOpenAI() | parser\n", "langchain", "qa"),
        ("from crewai import Crew\nteam = Crew(agents=[a], tasks=[t])\n", "crewai", "team"),
        ("from llama_index.core.agent.workflow import FunctionAgent\nfa = FunctionAgent(tools=[f], llm=llm)\n",
         "llamaindex", "fa"),
        ("from pydantic_ai import Agent\nweather = Agent('openai:gpt-4o')\n", "pydantic-ai", "weather"),
        ("from smolagents import CodeAgent\ncoder = CodeAgent(tools=[], model=m)\n", "smolagents", "coder"),
        ("from autogen_agentchat.agents import AssistantAgent\n"
         "from autogen_agentchat.teams import RoundRobinGroupChat\n"
         "a = AssistantAgent('a', model_client=c)\nteam = RoundRobinGroupChat([a])\n", "autogen", "team"),
        ("from agno.agent import Agent\nfinance = Agent(model=m)\n", "agno", "finance"),
        ("from google.adk.agents import LlmAgent\ncritic = LlmAgent(name='c')\nroot_agent = LlmAgent(name='r')\n",
         "google-adk", "root_agent"),
        ("def handler(event, context):\n    return {'statusCode': 200}\n", "lambda", "handler"),
        ("def handler(request):\n    return request['message']\n", "handler", "handler"),
        ("async def main(message):\n    return message\n", "main", "main"),
        ("from langgraph.func import entrypoint\n@entrypoint()\ndef workflow(inputs):\n    return inputs\n",
         "langgraph", "workflow"),
    ],
)
def test_a_module_level_entry_is_named_with_its_adapter(code: str, adapter: str, target: str) -> None:
    entry = entry_of({"bot.py": code})

    assert (entry.file, entry.adapter, entry.target, entry.module) == ("bot.py", adapter, target, "bot")
    assert entry.takes_message and entry.refusal is None


def test_a_langgraph_json_names_the_graph_and_its_src_layout_module() -> None:
    entry = entry_of({
        "langgraph.json": '{"graphs": {"agent": "./src/agent/graph.py:graph"}}',
        "src/agent/__init__.py": "",
        "src/agent/graph.py": "graph = make()\n",
        "main.py": "def main():\n    print('hi')\n",
    })

    assert (entry.file, entry.adapter, entry.target, entry.module) == (
        "src/agent/graph.py", "langgraph", "graph", "agent.graph")
    assert entry.reason == 'graph "agent" in langgraph.json'


def test_a_crewai_create_project_enters_through_its_crewbase_class_with_the_inputs_of_its_templates() -> None:
    entry = entry_of({
        "pyproject.toml": '[project]\nname = "trip"\ndependencies = ["crewai"]\n',
        "src/trip/__init__.py": "",
        "src/trip/config/tasks.yaml": "plan:\n  description: Plan a trip to {city} in {current_year}\n",
        "src/trip/config/agents.yaml": "planner:\n  role: {city} planner\n",
        "src/trip/crew.py": """
            from crewai.project import CrewBase, crew

            @CrewBase
            class TripCrew:
                agents_config = "config/agents.yaml"
            """,
        "src/trip/main.py": """
            from trip.crew import TripCrew

            def run():
                TripCrew().crew().kickoff(inputs={"city": "Lisbon"})

            if __name__ == "__main__":
                run()
            """,
    })

    assert (entry.file, entry.adapter, entry.target, entry.module) == (
        "src/trip/crew.py", "crewai", "TripCrew", "trip.crew")
    assert "{city}" in entry.reason and "{current_year}" in entry.reason


def test_a_main_without_parameters_is_refused_with_a_handler_made_of_its_own_code() -> None:
    entry = entry_of({"hello.py": """
        import asyncio
        from agents import Agent, Runner

        async def main():
            agent = Agent(name="Assistant", instructions="Answer in haikus.")
            result = await Runner.run(agent, "Tell me about recursion.")
            print(result.final_output)

        if __name__ == "__main__":
            asyncio.run(main())
        """})

    assert not entry.takes_message and entry.refusal is not None
    assert "main() in hello.py takes no parameter" in entry.refusal
    assert ("async def handler(request):\n"
            "    agent = Agent(name='Assistant', instructions='Answer in haikus.')\n"
            "    result = await Runner.run(agent, request['message'])\n"
            "    return result.final_output") in entry.refusal


def test_a_streamlit_app_is_refused_as_a_ui() -> None:
    entry = entry_of({"app.py": """
        import streamlit as st
        from openai import OpenAI

        client = OpenAI()
        question = st.text_input("Ask")
        if question:
            answer = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
            st.write(answer.choices[0].message.content)
        """})

    assert not entry.takes_message and entry.refusal is not None and "Streamlit app" in entry.refusal


def test_a_web_server_without_an_agent_object_is_refused() -> None:
    entry = entry_of({"server.py": """
        import uvicorn
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/chat")
        def chat(body: dict) -> dict:
            return {"answer": body["message"]}

        if __name__ == "__main__":
            uvicorn.run(app)
        """, "agent_tools.py": "import requests\n"})

    assert entry.file == "server.py" and not entry.takes_message
    assert entry.refusal is not None and "web server app (`app`)" in entry.refusal


def test_a_main_that_prints_what_the_agent_returns_gets_a_handler_that_returns_it() -> None:
    entry = entry_of({"crew_main.py": """
        from crew import MyCrew

        def main():
            print("## Welcome")
            print(MyCrew().crew().kickoff(inputs={"topic": "the history of tea"}))
        """, "crew.py": "from crewai import Crew\n\nclass MyCrew:\n    pass\n"})

    assert entry.refusal is not None
    assert ("def handler(request):\n    return MyCrew().crew().kickoff(inputs={'topic': request['message']})"
            in entry.refusal), entry.refusal


def test_a_script_working_at_import_is_refused_with_its_user_message_taken_from_the_request() -> None:
    entry = entry_of({"ask.py": """
        from anthropic import Anthropic

        client = Anthropic()
        question = {"role": "user", "content": "Which city is the capital of Peru?"}
        first = client.messages.create(model="claude-x", max_tokens=100, messages=[question])
        second = client.messages.create(model="claude-x", max_tokens=100,
                                        messages=[question, {"role": first.role, "content": first.content}])
        print(second.content)
        """})

    assert entry.reason == "script with top-level code" and not entry.takes_message
    assert entry.refusal is not None and "ask.py only runs at import" in entry.refusal
    assert ("def handler(request):\n    question = {'role': 'user', 'content': request['message']}\n"
            "    first = client.messages.create(model='claude-x', max_tokens=100, messages=[question])\n"
            "    return first") in entry.refusal, entry.refusal


def test_a_command_line_main_taking_argv_is_no_main_message() -> None:
    entry = entry_of({"cli.py": "from agents import Agent\n\ndef main(argv=None):\n    return 0\n"})

    assert (entry.adapter, entry.target, entry.takes_message) == ("main", "main", False)
