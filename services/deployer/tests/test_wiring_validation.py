"""Validation of a deploy's wiring against the analysis: every model role the code uses is wired, and
custom code that runs through an agent framework gets a chat model (else the deploy answers 422)."""

import json

from runagents_contracts.entry import EntryAdapter
from runagents_contracts.llm_usage import ADAPTERS_NEEDING_A_MODEL

from runagents_deployer.agents.schemas import AgentCreate
from runagents_deployer.wiring.registry import RegisteredProvider
from runagents_deployer.wiring.validation import llm_usages, wiring_problems

PLAYGROUND = RegisteredProvider("playground", "playground", ["playground-mini", "playground-embed"])
OPENAI = RegisteredProvider("openai", "openai", ["gpt-4o"])
PROVIDERS = {"openai": OPENAI, "playground": PLAYGROUND}
CHAT = {"chat": {"provider": "playground", "model": "playground-mini"}}


def request(models: dict[str, object]) -> AgentCreate:
    return AgentCreate.model_validate({"name": "agent", "analysis_id": "a1", "models": models})


def framework_report(adapter: str, llm_usage: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"tier": {"value": "custom", "reason": "imports a framework"}, "llm_usage": llm_usage or [],
            "entry_point": {"file": "agent.py", "reason": "module-level agent", "adapter": adapter, "target": "agent"}}


def test_a_framework_entry_without_a_detected_call_still_needs_a_chat_model() -> None:
    problems = wiring_problems(request({}), framework_report("crewai"), {}, PROVIDERS, "custom")

    [problem] = problems
    assert problem.startswith("model role 'chat' (the entry runs through the crewai adapter")
    assert "is not wired to a model provider" in problem
    # says how to wire it, with a model a registered provider serves (the offline one first)
    wiring = json.loads(problem.split('"models": ', 1)[1])
    assert wiring == {"chat": {"provider": "playground", "model": "playground-mini"}}


def test_every_framework_adapter_needs_a_chat_model_and_handlers_do_not() -> None:
    for adapter in EntryAdapter:
        problems = wiring_problems(request({}), framework_report(adapter.value), {}, PROVIDERS, "custom")
        assert bool(problems) == (adapter in ADAPTERS_NEEDING_A_MODEL), adapter
    assert {EntryAdapter.HANDLER, EntryAdapter.LAMBDA, EntryAdapter.MAIN}.isdisjoint(ADAPTERS_NEEDING_A_MODEL)


def test_a_wired_chat_model_satisfies_the_framework() -> None:
    assert wiring_problems(request(CHAT), framework_report("openai-agents"), {}, PROVIDERS, "custom") == []


def test_detected_calls_are_named_with_their_places_in_one_problem_per_role() -> None:
    usage = [{"provider": "openai", "model": "gpt-4o", "role": "chat", "file": "agent.py", "line": 9},
             {"provider": "openai", "model": None, "role": "chat", "file": "tools.py", "line": 3},
             {"provider": "openai", "model": "text-embedding-3-small", "role": "embedding", "file": "rag.py",
              "line": 4}]

    problems = wiring_problems(request({}), framework_report("langgraph", usage), {}, PROVIDERS, "custom")

    assert len(problems) == 2
    chat, embedding = problems
    assert chat.startswith("model role 'chat' (openai gpt-4o, agent.py:9; openai, tools.py:3) is not wired")
    assert embedding.startswith("model role 'embedding' (openai text-embedding-3-small, rag.py:4) is not wired")
    assert '"models": {"embedding": {"provider": "playground"' in embedding


def test_without_any_provider_the_problem_says_to_register_one() -> None:
    [problem] = wiring_problems(request({}), framework_report("pydantic-ai"), {}, {}, "custom")

    assert "register a model provider (POST /api/v1/model-providers)" in problem


def test_a_handler_that_calls_no_model_needs_none() -> None:
    report = {"tier": {"value": "custom", "reason": "def handler()"}, "llm_usage": [],
              "entry_point": {"file": "agent.py", "reason": "handler", "adapter": "handler", "target": "handler"}}

    assert wiring_problems(request({}), report, {}, PROVIDERS, "custom") == []


def test_the_platform_runtime_names_the_chat_role_once() -> None:
    usage = [{"provider": "openai", "model": "gpt-4o", "role": "chat", "file": "agent.py", "line": 9}]

    problems = wiring_problems(request({}), {"llm_usage": usage}, {}, PROVIDERS, "platform")

    assert len(problems) == 1 and "model role 'chat'" in problems[0]
    assert wiring_problems(request({}), {}, {}, PROVIDERS, "platform") == [
        "the platform runtime needs a chat model: the 'chat' role is not wired; wire it in the deploy request, "
        'e.g. "models": {"chat": {"provider": "playground", "model": "playground-mini"}}']


def test_usages_are_read_as_the_contract_defines_them() -> None:
    report = {"llm_usage": [{"provider": "google", "model": "gemini-2.0-flash", "role": "chat", "file": "a.py",
                             "line": 2, "routable": False, "note": "Gemini's own API", "from_a_newer_analyzer": 1},
                            {"provider": "openai", "model": "gpt-4o", "role": "chat", "file": "b.py", "line": 5}]}

    first, second = llm_usages(report)

    assert (first.provider, first.routable, first.note) == ("google", False, "Gemini's own API")
    assert (second.provider, second.routable, second.note) == ("openai", True, None)
