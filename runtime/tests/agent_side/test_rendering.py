"""response_text: what an agent returns, as the text a person reads, never a Python repr."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pydantic
from anthropic.types import Message as AnthropicMessage
from openai.types.chat import ChatCompletion

from runagents_runtime.agent_side.rendering import response_text


class Forecast(pydantic.BaseModel):
    city: str
    temperature_c: float


@dataclass
class Report:
    title: str
    lines: list[str]


class Opaque:
    __slots__ = ()


def test_strings_dicts_and_messages_keep_their_text() -> None:
    assert response_text(None) == ""
    assert response_text("hello") == "hello"
    assert response_text({"response": "from a handler"}) == "from a handler"
    assert response_text({"output": "from an executor"}) == "from an executor"
    assert response_text({"messages": [{"role": "user", "content": "q"}, {"role": "ai", "content": "a"}]}) == "a"
    assert response_text({"messages": [SimpleNamespace(content="from a graph")]}) == "from a graph"
    assert response_text(SimpleNamespace(content="a message")) == "a message"
    assert response_text(SimpleNamespace(raw="crew output", content=None)) == "crew output"
    assert json.loads(response_text({"other": 1})) == {"other": 1}


def test_content_blocks_give_their_text() -> None:
    blocks = [{"type": "text", "text": "Hello, "}, {"type": "tool_use", "id": "t", "name": "x", "input": {}},
              {"type": "text", "text": "world."}]
    assert response_text(blocks) == "Hello, world."
    assert response_text([SimpleNamespace(type="text", text="one"), SimpleNamespace(text=" two")]) == "one two"
    assert response_text(["first line", "second line"]) == "first line\nsecond line"
    assert json.loads(response_text([1, {"a": 2}])) == [1, {"a": 2}]


def test_sdk_messages_give_their_text() -> None:
    anthropic_message = AnthropicMessage.model_validate({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
        "content": [{"type": "text", "text": "From Claude."}],
        "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1},
    })
    completion = ChatCompletion.model_validate({
        "id": "c", "object": "chat.completion", "created": 0, "model": "gpt",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "From GPT."}}],
    })

    assert response_text(anthropic_message) == "From Claude."
    assert response_text(completion) == "From GPT."
    assert response_text(anthropic_message.content) == "From Claude."


def test_structured_results_are_json() -> None:
    assert json.loads(response_text(Forecast(city="Paris", temperature_c=17))) == {"city": "Paris", "temperature_c": 17}
    assert json.loads(response_text(Report("t", ["a", "b"]))) == {"title": "t", "lines": ["a", "b"]}
    run_result = SimpleNamespace(output=Forecast(city="Oslo", temperature_c=-2))  # an agent run's result
    assert json.loads(response_text(run_result)) == {"city": "Oslo", "temperature_c": -2}
    assert json.loads(response_text([Forecast(city="A", temperature_c=1)])) == [{"city": "A", "temperature_c": 1}]


def test_no_default_repr_ever() -> None:
    class Plain:
        def __init__(self) -> None:
            self.answer = 42
            self.nested = Opaque()

    rendered = response_text(Plain())
    assert json.loads(rendered) == {"answer": 42, "nested": "[Opaque]"}
    assert response_text(Opaque()) == "[Opaque with no text]"
    assert "object at 0x" not in response_text(Opaque())


def test_an_object_with_its_own_str_gives_it() -> None:
    class Answer:
        __slots__ = ()

        def __str__(self) -> str:
            return "forty-two"

    assert response_text(Answer()) == "forty-two"
