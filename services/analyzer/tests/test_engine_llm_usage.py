"""LLM usage through each SDK and framework: provider, model and role."""

import textwrap

import pytest

from runagents_analyzer.engine import Report, analyze_files


def analyze(files: dict[str, str]) -> Report:
    return analyze_files({path: textwrap.dedent(text).lstrip("\n").encode() for path, text in files.items()})


def usages(code: str) -> list[tuple[str, str | None, str]]:
    report = analyze({"agent.py": code})
    return [(u.provider, u.model, u.role) for u in report.llm_usage]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model='gpt-4o', messages=[])",
         ("openai", "gpt-4o", "chat")),
        ("from openai import OpenAI\nc = OpenAI()\nc.responses.create(model='gpt-4.1', input='hi')",
         ("openai", "gpt-4.1", "chat")),
        ("from openai import OpenAI\nOpenAI().embeddings.create(model='text-embedding-3-small', input='x')",
         ("openai", "text-embedding-3-small", "embedding")),
        ("from openai import OpenAI\nOpenAI().moderations.create(model='omni-moderation-latest', input='x')",
         ("openai", "omni-moderation-latest", "classify")),
        ("import openai\nopenai.chat.completions.create(model='gpt-4o-mini', messages=[])",
         ("openai", "gpt-4o-mini", "chat")),
        ("import openai\nopenai.ChatCompletion.create(model='gpt-3.5-turbo', messages=[])",
         ("openai", "gpt-3.5-turbo", "chat")),
        ("from openai import AzureOpenAI\naz = AzureOpenAI(api_version='2024-06-01')\n"
         "az.chat.completions.create(model='prod-gpt4o', messages=[])", ("azure-openai", "prod-gpt4o", "chat")),
        ("import anthropic\nc = anthropic.Anthropic()\nc.messages.create(model='claude-sonnet-4-5', max_tokens=9)",
         ("anthropic", "claude-sonnet-4-5", "chat")),
        ("import boto3\nbr = boto3.client('bedrock-runtime')\n"
         "br.converse(modelId='anthropic.claude-3-haiku-20240307-v1:0', messages=[])",
         ("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "chat")),
        ("import boto3\nbr = boto3.client(service_name='bedrock-runtime')\n"
         "br.invoke_model(modelId='amazon.titan-embed-text-v2:0', body='{}')",
         ("bedrock", "amazon.titan-embed-text-v2:0", "embedding")),
        ("from google import genai\nc = genai.Client()\n"
         "c.models.generate_content(model='gemini-2.0-flash', contents='x')", ("google", "gemini-2.0-flash", "chat")),
        ("from google import genai\ngenai.Client().models.embed_content(model='text-embedding-004', contents='x')",
         ("google", "text-embedding-004", "embedding")),
        ("import google.generativeai as genai\nm = genai.GenerativeModel('gemini-1.5-pro')",
         ("google", "gemini-1.5-pro", "chat")),
        ("from mistralai import Mistral\nm = Mistral(api_key='')\n"
         "m.chat.complete(model='mistral-large-latest', messages=[])", ("mistral", "mistral-large-latest", "chat")),
        ("import cohere\nco = cohere.ClientV2()\nco.rerank(model='rerank-v3.5', query='q', documents=[])",
         ("cohere", "rerank-v3.5", "reranking")),
        ("import cohere\nco = cohere.Client()\nco.embed(model='embed-english-v3.0', texts=[])",
         ("cohere", "embed-english-v3.0", "embedding")),
        ("import ollama\nollama.chat(model='llama3.1', messages=[])", ("ollama", "llama3.1", "chat")),
        ("from ollama import Client\nClient(host='http://gpu:11434').embed(model='nomic-embed-text', input='x')",
         ("ollama", "nomic-embed-text", "embedding")),
        ("import litellm\nlitellm.completion(model='anthropic/claude-3-5-haiku-latest', messages=[])",
         ("anthropic", "claude-3-5-haiku-latest", "chat")),
        ("from litellm import embedding\nembedding(model='text-embedding-3-large', input=['x'])",
         ("openai", "text-embedding-3-large", "embedding")),
        ("from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', temperature=0)",
         ("openai", "gpt-4o", "chat")),
        ("from langchain_openai import OpenAIEmbeddings\ne = OpenAIEmbeddings(model='text-embedding-3-large')",
         ("openai", "text-embedding-3-large", "embedding")),
        ("from langchain_anthropic import ChatAnthropic\nllm = ChatAnthropic(model_name='claude-3-opus-20240229')",
         ("anthropic", "claude-3-opus-20240229", "chat")),
        ("from langchain.chat_models import init_chat_model\nm = init_chat_model('openai:gpt-4o-mini')",
         ("openai", "gpt-4o-mini", "chat")),
        ("from langchain.chat_models import init_chat_model\n"
         "m = init_chat_model('claude-3-5-haiku-latest', model_provider='anthropic')",
         ("anthropic", "claude-3-5-haiku-latest", "chat")),
        ("from crewai import LLM\nllm = LLM(model='groq/llama-3.1-70b-versatile')",
         ("groq", "llama-3.1-70b-versatile", "chat")),
        ("from agents import Agent\nagent = Agent(name='a', instructions='Be brief.', model='gpt-4.1-mini')",
         ("openai", "gpt-4.1-mini", "chat")),
        ("from llama_index.llms.openai import OpenAI\nllm = OpenAI(model='gpt-4o-mini')",
         ("openai", "gpt-4o-mini", "chat")),
        ("from llama_index.embeddings.openai import OpenAIEmbedding\n"
         "e = OpenAIEmbedding(model='text-embedding-3-small')", ("openai", "text-embedding-3-small", "embedding")),
        ("from pydantic_ai import Agent\nagent = Agent('anthropic:claude-sonnet-4-0')",
         ("anthropic", "claude-sonnet-4-0", "chat")),
    ],
)
def test_each_supported_sdk_reports_provider_model_and_role(code: str, expected: tuple[str, str, str]) -> None:
    assert usages(code + "\n") == [expected]


def test_the_model_comes_from_an_env_default_or_constant() -> None:
    found = usages("""
        import os
        from openai import OpenAI
        MODEL = os.getenv("LLM_MODEL", "gpt-4o-mini")
        client = OpenAI()

        def ask(q):
            return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])
    """)

    assert found == [("openai", "gpt-4o-mini", "chat")]


def test_a_model_only_known_at_run_time_is_shown_as_its_variable() -> None:
    assert usages("""
        import os
        from anthropic import Anthropic
        Anthropic().messages.create(model=os.environ["CLAUDE_MODEL"], max_tokens=10, messages=[])
    """) == [("anthropic", "{CLAUDE_MODEL}", "chat")]


def test_a_client_held_on_self_or_made_by_a_factory_is_followed() -> None:
    found = usages("""
        from openai import AsyncOpenAI
        from anthropic import Anthropic

        def make_client() -> AsyncOpenAI:
            return AsyncOpenAI()

        class Bot:
            def __init__(self):
                self.llm = Anthropic()

            def ask(self):
                return self.llm.messages.create(model="claude-3-5-sonnet-latest", max_tokens=9, messages=[])

        async def embed():
            client = make_client()
            return await client.embeddings.create(model="text-embedding-3-small", input="x")
    """)

    assert sorted(found) == [("anthropic", "claude-3-5-sonnet-latest", "chat"),
                             ("openai", "text-embedding-3-small", "embedding")]


def test_a_client_passed_as_a_typed_parameter_is_followed() -> None:
    assert usages("""
        from openai import OpenAI

        def summarise(client: OpenAI, text: str) -> str:
            return client.chat.completions.create(model="gpt-4o-mini", messages=[]).choices[0].message.content
    """) == [("openai", "gpt-4o-mini", "chat")]


def test_a_model_object_passed_to_a_framework_is_reported_once_where_it_is_made() -> None:
    report = analyze({"crew.py": """
        from crewai import Agent, LLM
        llm = LLM(model="openai/gpt-4o")
        researcher = Agent(role="r", goal="g", backstory="b", llm=llm)
        writer = Agent(role="w", goal="g", backstory="b", llm=llm)
    """})

    assert [(u.provider, u.model, u.line) for u in report.llm_usage] == [("openai", "gpt-4o", 2)]


def test_a_client_that_is_made_but_never_called_still_counts_as_usage() -> None:
    assert usages("""
        from anthropic import Anthropic
        client = Anthropic()
        run_somewhere_else(client)
    """) == [("anthropic", None, "chat")]


def test_unrelated_methods_named_like_sdk_calls_are_not_llm_usage() -> None:
    assert usages("""
        class Messages:
            def create(self, model=None):
                return model

        import boto3
        Messages().create(model="not-a-model")
        s3 = boto3.client("s3")
        s3.invoke_model(modelId="x")
    """) == []


def test_a_client_made_by_a_nested_helper_function_is_followed() -> None:
    assert usages("""
        from openai import OpenAI

        def run(q):
            def make():
                return OpenAI(base_url="http://localhost:8000/llm/v1")
            return make().chat.completions.create(model="playground-mini", messages=[])
    """) == [("openai", "playground-mini", "chat")]
