"""Entry point, tier, system prompt, and files that do not parse."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


# --- entry point --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "entry", "reason"),
    [
        ({"bot.py": "def handler(request, context):\n    return {}\n", "main.py": "def main(): ...\n"},
         "bot.py", "def handler()"),
        ({"graph_app.py": "graph = build()\n", "main.py": 'if __name__ == "__main__":\n    pass\n'},
         "graph_app.py", "module-level `graph` object"),
        ({"agent.py": "agent = create_tool_calling_agent(llm, tools, prompt)\nchain = other()\n"
                      "executor = AgentExecutor(agent=agent, tools=tools)\n"},
         "agent.py", "module-level `executor` object"),
        ({"run_me.py": 'if __name__ == "__main__":\n    pass\n', "lib.py": "def main(): ...\n"},
         "run_me.py", 'if __name__ == "__main__"'),
        ({"cli.py": "def main(): ...\n", "util.py": "x = 1\n"}, "cli.py", "def main()"),
        ({"lambda_function.py": "def lambda_handler(event, context): ...\n", "main.py": "def main(): ...\n"},
         "lambda_function.py", "def lambda_handler()"),
        ({"tool.py": "def main(): ...\n", "main.py": "def main(): ...\n"}, "main.py", "def main()"),
        ({"tests/test_x.py": "def handler(r): ...\n", "app.py": "def main(): ...\n"}, "app.py", "def main()"),
    ],
)
def test_the_entry_point_follows_the_runtime_discovery_order(files: dict[str, str], entry: str,
                                                             reason: str) -> None:
    report = analyze(files)

    assert report.entry_point is not None
    assert (report.entry_point.file, report.entry_point.reason) == (entry, reason)


def test_a_library_without_any_entry_has_none() -> None:
    assert analyze({"util.py": "def helper():\n    return 1\n"}).entry_point is None


def test_a_javascript_agent_uses_package_json_main() -> None:
    report = analyze({"package.json": '{"main": "src/server.js"}', "src/server.js": "console.log(1)\n"})

    assert report.entry_point is not None
    assert (report.entry_point.file, report.entry_point.reason) == ("src/server.js", "package.json main")


# --- tier -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "pattern"),
    [
        ("def handler(request, context):\n    return {}\n", "def handler() in agent.py:1"),
        ("from x import AgentExecutor\n", "AgentExecutor (LangChain) in agent.py:1"),
        ("from langgraph.graph import StateGraph\n", "StateGraph (LangGraph) in agent.py:1"),
        ("import crewai.project as p\n\n@p.CrewBase\nclass C: ...\n", "@CrewBase (CrewAI) in agent.py:3"),
        ("from langchain_core.tools import tool\n", "imports langchain_core.tools (LangChain) in agent.py:1"),
        ("import crewai\n", "imports crewai (CrewAI) in agent.py:1"),
        ("from autogen_agentchat.agents import AssistantAgent\n", "(AutoGen) in agent.py:1"),
        ("from agents import Agent, Runner\n", "imports agents (OpenAI Agents SDK) in agent.py:1"),
        ("from llama_index.core import VectorStoreIndex\n", "(LlamaIndex) in agent.py:1"),
        ("from pydantic_ai import Agent\n", "imports pydantic_ai (Pydantic AI) in agent.py:1"),
        ("from agno.agent import Agent\n", "(Agno) in agent.py:1"),
        ("from smolagents import CodeAgent\n", "(smolagents) in agent.py:1"),
        ("from claude_agent_sdk import query\n", "(Claude Agent SDK) in agent.py:1"),
    ],
)
def test_custom_code_patterns_choose_the_custom_tier_and_say_where(code: str, pattern: str) -> None:
    tier = analyze({"agent.py": code}).tier

    assert tier.value == "custom"
    assert pattern in tier.reason


def test_a_plain_script_runs_on_the_platform_runtime() -> None:
    tier = analyze({"agent.py": "import requests\nrequests.get('https://api.github.com')\n"}).tier

    assert tier.value == "platform"
    assert "no handler" in tier.reason


def test_a_local_folder_named_like_a_framework_is_not_that_framework() -> None:
    tier = analyze({"main.py": "from agents import planner\n", "agents/planner.py": "x = 1\n"}).tier

    assert tier.value == "platform"


def test_a_typescript_framework_import_chooses_the_custom_tier() -> None:
    tier = analyze({"index.ts": 'import { Agent } from "@openai/agents";\n'}).tier

    assert tier.value == "custom"
    assert "@openai/agents" in tier.reason and "index.ts:1" in tier.reason


# --- system prompt ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        'PROMPT = "You are a travel agent."\nc.chat.completions.create(model="m", messages=[{"role": "system", '
        '"content": PROMPT}])',
        'c.messages.create(model="m", system="You are a travel agent.", messages=[])',
        'agent = Agent(name="t", instructions="You are a travel agent.")',
        'from langchain_core.messages import SystemMessage\nmsgs = [SystemMessage(content="You are a travel agent.")]',
        'p = ChatPromptTemplate.from_messages([("system", "You are a travel agent."), ("human", "{q}")])',
        'messages = []\nmessages.append({"role": "system", "content": "You are a travel agent."})',
        'SYSTEM_PROMPT = os.getenv("SYSTEM_PROMPT", "You are a travel agent.")',
        'br.converse(modelId="m", system=[{"text": "You are a travel agent."}], messages=[])',
    ],
)
def test_the_system_prompt_is_found_where_it_is_given_to_the_model(code: str) -> None:
    report = analyze({"agent.py": "import os\n" + code + "\n"})

    assert report.system_prompt is not None
    assert report.system_prompt.text == "You are a travel agent."
    assert report.system_prompt.file == "agent.py"


def test_an_unresolvable_system_prompt_is_not_reported() -> None:
    report = analyze({"agent.py": 'import os\nAgent(instructions=os.environ["PROMPT"])\n'})

    assert report.system_prompt is None


# --- files that do not parse ----------------------------------------------------------------------


def test_a_file_that_does_not_parse_is_reported_and_the_rest_is_still_analyzed() -> None:
    report = analyze({
        "broken.py": "import requests\n\ndef f(:\n    pass\n",
        "legacy.py": 'print "python 2"\n',
        "agent.py": 'import requests\nrequests.get("https://api.github.com/user")\n',
    })

    assert [(e.file, e.line) for e in report.errors] == [("broken.py", 3), ("legacy.py", 1)]
    assert all(e.message for e in report.errors)
    assert [tool.name for tool in report.tools] == ["github"]
    assert report.files == ["agent.py", "broken.py", "legacy.py"]
