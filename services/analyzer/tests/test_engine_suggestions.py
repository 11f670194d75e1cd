"""Pre-wiring suggestions: registered tools by base URL then name, providers by model then kind."""

import pytest

from runagents_analyzer.engine.report import LlmUsage, SuggestedModel, Tool, ToolCall
from runagents_analyzer.engine.suggest import suggest_model, suggest_tool


def tool(name: str, base_url: str, *urls: str) -> Tool:
    calls = [ToolCall(file="a.py", line=1, method="GET", url=url) for url in urls]
    return Tool(name=name, base_url=base_url, host=None, calls=calls)


def usage(provider: str, model: str | None) -> LlmUsage:
    return LlmUsage(provider=provider, model=model, role="chat", file="a.py", line=1)


@pytest.mark.parametrize(
    ("detected", "registered", "expected"),
    [
        (tool("echo", "http://localhost:8000/starter/echo"), [("echo-tool", "http://127.0.0.1:8000/starter/echo/")],
         "echo-tool"),
        (tool("github", "https://api.github.com"), [("gh", "HTTPS://API.GITHUB.COM:443")], "gh"),
        (tool("stripe", "https://api.stripe.com", "https://api.stripe.com/v1/charges"),
         [("stripe-all", "https://api.stripe.com"), ("stripe-v1", "https://api.stripe.com/v1")], "stripe-v1"),
        (tool("echo", "{TOOL_URL_ECHO}"), [("other", "http://x"), ("echo", "http://elsewhere:1")], "echo"),
        (tool("github", "https://api.github.com"), [("gitlab", "https://gitlab.com")], None),
        (tool("svc", "http://svc:8080/a"), [("svc-b", "http://svc:8080/b")], None),
    ],
)
def test_a_tool_is_matched_by_base_url_prefix_then_by_name(detected: Tool, registered: list[tuple[str, str]],
                                                           expected: str | None) -> None:
    assert suggest_tool(detected, registered) == expected


PROVIDERS = [
    ("playground", "playground", ["playground-mini"]),
    ("openai-main", "openai", ["gpt-4o", "gpt-4o-mini"]),
    ("openai-proxy", "openai", ["gpt-4o-mini"]),
    ("claude", "anthropic", ["claude-3-5-haiku-latest"]),
]


@pytest.mark.parametrize(
    ("detected", "expected"),
    [
        (usage("openai", "playground-mini"), SuggestedModel(provider="playground", model="playground-mini")),
        (usage("openai", "gpt-4o-mini"), SuggestedModel(provider="openai-main", model="gpt-4o-mini")),
        (usage("litellm", "gpt-4o-mini"), SuggestedModel(provider="openai-main", model="gpt-4o-mini")),
        (usage("anthropic", "claude-opus-4"), SuggestedModel(provider="claude", model="claude-3-5-haiku-latest")),
        (usage("anthropic", None), SuggestedModel(provider="claude", model="claude-3-5-haiku-latest")),
        (usage("mistral", "mistral-large-latest"), None),
    ],
)
def test_a_model_is_matched_by_model_name_then_by_provider_kind(detected: LlmUsage,
                                                                 expected: SuggestedModel | None) -> None:
    assert suggest_model(detected, PROVIDERS) == expected


def test_the_only_registered_provider_is_suggested_when_nothing_matches() -> None:
    only_playground = PROVIDERS[:1]

    assert suggest_model(usage("openai", "{context.model}"), only_playground) == SuggestedModel(
        provider="playground", model="playground-mini")
    assert suggest_model(usage("mistral", "playground-mini"), only_playground) == SuggestedModel(
        provider="playground", model="playground-mini")
    assert suggest_model(usage("mistral", "mistral-large-latest"), [*only_playground, ("empty", "openai", [])]) is None
