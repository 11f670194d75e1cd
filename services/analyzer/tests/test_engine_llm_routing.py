"""LLM usage says whether each call reaches the platform's model gateway, and why not when it cannot."""

import textwrap

import pytest
from runagents_contracts.llm_usage import LlmUsage

from runagents_analyzer.engine import analyze_files


def llm_usages(code: str) -> list[LlmUsage]:
    report = analyze_files({"agent.py": textwrap.dedent(code).lstrip("\n").encode()})
    assert report.llm_usage, "the call was not found at all"
    return report.llm_usage


@pytest.mark.parametrize("code", [
    "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])",
    "import anthropic\nanthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=9)",
    "import os\nfrom openai import OpenAI\nc = OpenAI(base_url=os.environ['OPENAI_BASE_URL'])\n"
    "c.chat.completions.create(model='gpt-4o', messages=[])",
    "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o-mini')",
    "from agents import Agent\nagent = Agent(name='a', instructions='hi', model='gpt-4.1')",
    "import litellm\nlitellm.completion(model='anthropic/claude-3-5-haiku-latest', messages=[])",
    "from crewai import LLM\nllm = LLM(model='gpt-4o')",
    "from groq import Groq\nGroq().chat.completions.create(model='llama-3.3-70b-versatile', messages=[])",
    "from langchain_deepseek import ChatDeepSeek\nllm = ChatDeepSeek(model='deepseek-chat')",
])
def test_calls_through_a_wire_the_gateway_serves_are_routable(code: str) -> None:
    [usage] = llm_usages(code)

    assert usage.routable is True
    assert usage.note is None


@pytest.mark.parametrize(("code", "provider", "said"), [
    ("from google import genai\ngenai.Client().models.generate_content(model='gemini-2.0-flash', contents='x')",
     "google", "Gemini's own API"),
    ("from google.adk.agents import Agent\nroot_agent = Agent(name='a', model='gemini-2.0-flash')",
     "google", "Gemini's own API"),
    ("import boto3\nbr = boto3.client('bedrock-runtime')\nbr.converse(modelId='anthropic.claude-3-haiku', messages=[])",
     "bedrock", "AWS Bedrock"),
    ("import ollama\nollama.chat(model='llama3.1', messages=[])", "ollama", "Ollama's own API"),
    ("from mistralai import Mistral\nMistral(api_key='').chat.complete(model='mistral-large-latest', messages=[])",
     "mistral", "no base-URL variable"),
    ("from openai import AzureOpenAI\nAzureOpenAI(api_version='2024-06-01').chat.completions.create("
     "model='prod', messages=[])", "azure-openai", "Azure OpenAI"),
    ("import litellm\nlitellm.completion(model='gemini/gemini-1.5-pro', messages=[])", "google", "LiteLLM"),
])
def test_calls_the_gateway_cannot_serve_say_so_and_why(code: str, provider: str, said: str) -> None:
    [usage] = llm_usages(code)

    assert usage.provider == provider
    assert usage.routable is False
    assert usage.note is not None
    assert said in usage.note
    assert "directly" in usage.note


def test_a_client_given_its_own_base_url_is_not_routable() -> None:
    [usage] = llm_usages("""
        from openai import OpenAI
        client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
        client.chat.completions.create(model="llama3.1", messages=[])
    """)

    assert usage.routable is False
    assert usage.note is not None and "base_url of its own" in usage.note


def test_raw_http_to_a_fixed_vendor_host_is_not_routable_but_to_the_environments_base_is() -> None:
    fixed = llm_usages("""
        import requests
        requests.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o", "messages": []})
    """)
    from_env = llm_usages("""
        import os, requests
        requests.post(os.environ["OPENAI_BASE_URL"] + "/chat/completions", json={"model": "gpt-4o", "messages": []})
    """)

    assert [(u.provider, u.routable) for u in fixed] == [("openai", False)]
    assert fixed[0].note is not None and "api.openai.com" in fixed[0].note
    assert [(u.provider, u.routable, u.note) for u in from_env] == [("openai", True, None)]
