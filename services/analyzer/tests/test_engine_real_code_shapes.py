"""Shapes of real agent code that the labelled corpus (tests/analyzer_corpus) turned up."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def calls(report: Report) -> set[tuple[str, int, str]]:
    return {(call.method, call.line, call.url) for tool in report.tools for call in tool.calls}


def usages(report: Report) -> set[tuple[str, str | None, str, int]]:
    return {(u.provider, u.model, u.role, u.line) for u in report.llm_usage}


def test_a_client_passed_to_a_helper_function_is_followed_to_the_callers_argument() -> None:
    report = analyze({"bot.py": """
        import aiohttp

        async def create(session, title):
            return await session.post("https://acme.atlassian.net/rest/api/3/issue", json={"t": title})

        async def main():
            async with aiohttp.ClientSession() as session:
                await create(session, "x")
    """})
    assert calls(report) == {("POST", 4, "https://acme.atlassian.net/rest/api/3/issue")}


def test_a_settings_object_imported_from_another_module_resolves_its_field_defaults() -> None:
    report = analyze({
        "config.py": """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                model: str = "gpt-4o-mini"

            settings = Settings()
        """,
        "llm.py": """
            from openai import OpenAI
            from config import settings

            OpenAI().chat.completions.create(model=settings.model, messages=[])
        """,
    })
    assert usages(report) == {("openai", "gpt-4o-mini", "chat", 4)}


def test_a_wrapper_reports_its_default_model_and_every_model_its_callers_pass() -> None:
    report = analyze({"llm.py": """
        from anthropic import Anthropic
        client = Anthropic()

        def ask(prompt, model="claude-3-5-haiku-latest"):
            return client.messages.create(model=model, max_tokens=9, messages=[])

        ask("a")
        ask("b", model="claude-3-opus-20240229")
    """})
    assert usages(report) == {("anthropic", "claude-3-5-haiku-latest", "chat", 5),
                              ("anthropic", "claude-3-opus-20240229", "chat", 5)}


def test_a_request_helper_called_with_several_methods_reports_each_method() -> None:
    report = analyze({"api.py": """
        import requests

        def api(method, path):
            return requests.request(method, "https://api.todoist.com/rest/v2/" + path)

        api("GET", "tasks")
        api("POST", "tasks")
    """})
    assert {(method, line) for method, line, _ in calls(report)} == {("GET", 4), ("POST", 4)}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import instructor\nfrom openai import OpenAI\nc = instructor.from_openai(OpenAI())\n"
         "c.chat.completions.create(model='gpt-4o-mini', response_model=int, messages=[])",
         ("openai", "gpt-4o-mini", "chat", 4)),
        ("from openai import OpenAI\nP = {'model': 'gpt-4o', 'temperature': 0}\n"
         "OpenAI().chat.completions.create(**{**P, 'messages': []})", ("openai", "gpt-4o", "chat", 3)),
        ("from langchain_anthropic import ChatAnthropic\nKW = {'model': 'claude-3-5-haiku-latest'}\n"
         "m = ChatAnthropic(**KW)",
         ("anthropic", "claude-3-5-haiku-latest", "chat", 3)),
        ("from openai import OpenAI\nc = OpenAI(base_url='https://api.deepseek.com')\n"
         "c.chat.completions.create(model='deepseek-chat', messages=[])", ("deepseek", "deepseek-chat", "chat", 3)),
        ("from langgraph.prebuilt import create_react_agent\n"
         "a = create_react_agent('anthropic:claude-3-7-sonnet-latest', tools=[])",
         ("anthropic", "claude-3-7-sonnet-latest", "chat", 2)),
        ("from google.adk.agents import Agent\nroot_agent = Agent(name='a', model='gemini-2.0-flash')",
         ("google", "gemini-2.0-flash", "chat", 2)),
        ("from strands.models import BedrockModel\n"
         "m = BedrockModel(model_id='us.anthropic.claude-sonnet-4-20250514-v1:0')",
         ("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", "chat", 2)),
        ("from huggingface_hub import InferenceClient\nc = InferenceClient(model='meta-llama/Llama-3.1-8B-Instruct')\n"
         "c.chat_completion(messages=[])", ("huggingface", "meta-llama/Llama-3.1-8B-Instruct", "chat", 3)),
        ("from anthropic import AnthropicBedrock\nc = AnthropicBedrock()\n"
         "c.messages.create(model='anthropic.claude-3-haiku-20240307-v1:0', max_tokens=9, messages=[])",
         ("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "chat", 3)),
        ("from openai import OpenAI\nOpenAI().beta.assistants.create(model='gpt-4o', name='t')",
         ("openai", "gpt-4o", "chat", 2)),
        ("from haystack.components.generators.chat import OpenAIChatGenerator\n"
         "g = OpenAIChatGenerator(model='gpt-4o-mini')",
         ("openai", "gpt-4o-mini", "chat", 2)),
        ("import argparse\nfrom openai import OpenAI\np = argparse.ArgumentParser()\n"
         "p.add_argument('--model', default='gpt-4o-mini')\nargs = p.parse_args()\n"
         "OpenAI().chat.completions.create(model=args.model, messages=[])", ("openai", "gpt-4o-mini", "chat", 6)),
        ("from langchain_openai import ChatOpenAI\nCONFIG = {'llm': {'model': 'gpt-4o'}}\n"
         "m = ChatOpenAI(model=CONFIG['llm']['model'])", ("openai", "gpt-4o", "chat", 3)),
    ],
)
def test_real_code_shapes_report_the_model_used(code: str, expected: tuple[str, str, str, int]) -> None:
    assert usages(analyze({"agent.py": code})) == {expected}


def test_a_blocking_call_offloaded_to_a_thread_is_a_tool_call() -> None:
    report = analyze({"f.py": """
        import asyncio, requests

        async def main():
            return await asyncio.to_thread(requests.get, "https://feeds.bbci.co.uk/news/rss.xml", timeout=5)
    """})
    assert calls(report) == {("GET", 4, "https://feeds.bbci.co.uk/news/rss.xml")}


def test_a_lambda_handler_is_custom_code_and_an_exported_notebook_is_its_own_entry_point() -> None:
    lambda_report = analyze({"lambda_function.py": "def lambda_handler(event, context):\n    return {}\n"})
    assert lambda_report.tier.value == "custom"
    notebook = analyze({"churn.py": "# In[1]:\nimport pandas as pd\ndf = pd.read_csv('x.csv')\ndf.head()\n",
                        "helpers.py": "import os\nos.environ.setdefault('A', 'b')\n"})
    assert notebook.entry_point is not None and notebook.entry_point.file == "churn.py"


@pytest.mark.parametrize(
    ("path", "text", "line"),
    [
        ("aws/credentials", "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYzQ9mN4vT2s\n", 2),
        ("bot.py", 'sg = SendGridAPIClient(\n    "SG.q8Yt3Lm2Rx9Vb4Nk7Wc1Pz.'
                   'Hd6Fj0Gs5Ta8Ue3Io2Ky7Mr4Nw9Xb1Vc6Zq3Lp8Qa2W")\n', 2),
    ],
)
def test_secrets_in_aws_credentials_files_and_sendgrid_keys_are_found(path: str, text: str, line: int) -> None:
    assert [(s.file, s.line) for s in analyze({path: text}).secrets] == [(path, line)]


def test_a_client_imported_from_a_shared_module_is_still_that_sdks_client() -> None:
    report = analyze({
        "llm_client.py": "import os\nfrom openai import OpenAI\nclient = OpenAI()\n"
                         "MODEL = os.environ['OPENAI_MODEL']\n",
        "app.py": "from llm_client import MODEL, client\nclient.chat.completions.create(model=MODEL, messages=[])\n",
    })
    assert usages(report) == {("openai", "{OPENAI_MODEL}", "chat", 2)}


def test_an_autogen_agent_reports_the_models_of_its_config_list() -> None:
    report = analyze({"agents.py": """
        import autogen
        config_list = [{"model": "gpt-4-turbo"}, {"model": "claude-3-5-sonnet-latest", "api_type": "anthropic"}]
        assistant = autogen.AssistantAgent(name="a", llm_config={"config_list": config_list})
    """})
    assert usages(report) == {("openai", "gpt-4-turbo", "chat", 3),
                              ("anthropic", "claude-3-5-sonnet-latest", "chat", 3)}


def test_urls_handed_to_ui_widgets_are_not_hosts_the_agent_contacts() -> None:
    report = analyze({"ui.py": """
        import streamlit as st
        st.set_page_config(page_icon="https://www.python.org/static/favicon.ico")
        st.image("https://raw.githubusercontent.com/acme/radar/main/logo.png")
        st.link_button("Docs", "https://radar-docs.acme.dev/start")
    """})
    assert report.hosts == []


def test_a_nested_package_named_like_a_framework_does_not_hide_the_framework() -> None:
    # openai-agents-python's examples: research_bot/agents/ is local, `from agents import Agent` is the SDK.
    report = analyze_files({
        "patterns/tools_agent.py": b"from agents import Agent, Runner\nagent = Agent(name='a')\n",
        "research_bot/agents/__init__.py": b"",
        "research_bot/agents/planner.py": b"from agents import Agent\nplanner = Agent(name='p')\n",
        "research_bot/manager.py": b"from .agents.planner import planner\nfrom agents import Runner\n",
    })
    assert report.tier.value == "custom"
    assert "agents (OpenAI Agents SDK)" in report.tier.reason
    assert "openai-agents" in {p.name for p in report.packages}


def test_a_sibling_package_that_defines_the_imported_names_is_local_code() -> None:
    report = analyze_files({
        "main.py": b"from agents import Planner\nPlanner().run()\n",
        "agents/__init__.py": b"class Planner:\n    def run(self):\n        return 1\n",
    })
    assert report.tier.value == "platform"
    assert "openai-agents" not in {p.name for p in report.packages}


def test_a_crewai_agent_without_llm_uses_the_default_openai_model() -> None:
    source = b"from crewai import Agent\nwriter = Agent(role='w', goal='g', backstory='b')\n"
    report = analyze_files({"crew.py": source})
    assert [(u.provider, u.model, u.role, u.line) for u in report.llm_usage] == [("openai", None, "chat", 2)]


def test_legacy_langchain_completion_classes_are_llm_usage() -> None:
    report = analyze_files({"crew.py": b"from langchain.llms import Ollama\nllm = Ollama(model='llama3.1')\n"})
    assert [(u.provider, u.model, u.role) for u in report.llm_usage] == [("ollama", "llama3.1", "chat")]
