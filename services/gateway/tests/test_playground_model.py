"""The playground model: a deterministic, offline fake LLM in the OpenAI wire format."""

import base64
import json
import math
import re
import struct
from typing import Any

import pytest

from runagents_gateway.playground import (
    PLAYGROUND_MODELS,
    PlaygroundRequestError,
    complete_chat,
    embed,
    stream_chat,
)

ECHO_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "echo__echo",
        "description": "Echo a message back",
        "parameters": {
            "type": "object",
            "properties": {"message": {"type": "string"}},
            "required": ["message"],
        },
    },
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "weather__forecast",
        "description": "Forecast the weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city", "days"],
        },
    },
}
ECHO_REQUEST = "Say hello through the echo tool."
TOOL_CALL_ID = re.compile(r"^call_\d+_[0-9a-f]{12}$")


def chat(message: str, *, tools: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "model": "playground-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful agent."},
            {"role": "user", "content": message},
        ],
        **extra,
    }
    if tools is not None:
        request["tools"] = tools
    return request


def complete(request: dict[str, Any]) -> dict[str, Any]:
    return complete_chat(request, completion_id="chatcmpl-test", created=1_700_000_000)


def stream(request: dict[str, Any]) -> list[dict[str, Any]]:
    return stream_chat(request, completion_id="chatcmpl-test", created=1_700_000_000)


def reply_message(response: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = response["choices"][0]["message"]
    return message


def test_model_names_are_chat_then_embedding() -> None:
    assert PLAYGROUND_MODELS == ("playground-mini", "playground-embed")


def test_text_reply_quotes_user_message_in_a_chat_completion() -> None:
    response = complete(chat("What time is it?"))

    assert response["id"] == "chatcmpl-test"
    assert response["object"] == "chat.completion"
    assert response["created"] == 1_700_000_000
    assert response["model"] == "playground-mini"
    assert response["choices"][0]["finish_reason"] == "stop"
    message = reply_message(response)
    assert message == {"role": "assistant", "content": "Playground reply to: What time is it?"}


def test_text_reply_reads_content_parts() -> None:
    request = chat("ignored")
    request["messages"][-1]["content"] = [{"type": "text", "text": "Hi from parts"}]

    assert reply_message(complete(request))["content"] == "Playground reply to: Hi from parts"


def test_echo_tool_is_called_with_the_user_message() -> None:
    response = complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL]))

    assert response["choices"][0]["finish_reason"] == "tool_calls"
    message = reply_message(response)
    assert message["content"] is None
    [tool_call] = message["tool_calls"]
    assert TOOL_CALL_ID.match(tool_call["id"])
    assert tool_call["id"].startswith("call_0_")
    assert tool_call["type"] == "function"
    assert tool_call["function"]["name"] == "echo__echo"
    assert json.loads(tool_call["function"]["arguments"]) == {"message": ECHO_REQUEST}


def test_unrelated_message_gets_text_not_a_tool_call() -> None:
    response = complete(chat("What is the capital of France?", tools=[ECHO_TOOL, WEATHER_TOOL]))

    assert "tool_calls" not in reply_message(response)
    assert response["choices"][0]["finish_reason"] == "stop"


def test_only_the_matching_tool_is_chosen_and_required_strings_get_placeholders() -> None:
    response = complete(chat("Will the weather be sunny in Paris?", tools=[ECHO_TOOL, WEATHER_TOOL]))

    [tool_call] = reply_message(response)["tool_calls"]
    assert tool_call["function"]["name"] == "weather__forecast"
    assert json.loads(tool_call["function"]["arguments"]) == {"city": "sample-city", "days": 1}


def test_a_tool_named_in_the_message_wins_over_keyword_matches() -> None:
    message = "Echo the weather report using weather__forecast"
    response = complete(chat(message, tools=[ECHO_TOOL, WEATHER_TOOL]))

    names = [call["function"]["name"] for call in reply_message(response)["tool_calls"]]
    assert names == ["weather__forecast"]


def test_every_keyword_matched_tool_is_called_with_distinct_ids() -> None:
    response = complete(chat("Echo the weather forecast", tools=[ECHO_TOOL, WEATHER_TOOL]))

    calls = reply_message(response)["tool_calls"]
    assert [call["function"]["name"] for call in calls] == ["echo__echo", "weather__forecast"]
    assert [call["id"][:7] for call in calls] == ["call_0_", "call_1_"]
    assert calls[0]["id"] != calls[1]["id"]


def test_parallel_tool_calls_false_limits_to_one_call() -> None:
    request = chat("Echo the weather forecast", tools=[ECHO_TOOL, WEATHER_TOOL], parallel_tool_calls=False)

    calls = reply_message(complete(request))["tool_calls"]
    assert [call["function"]["name"] for call in calls] == ["echo__echo"]


def test_arguments_fill_schema_types_and_skip_optional_non_message_properties() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "search__run",
            "description": "Search documents",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "user_id": {"type": "string"},
                    "limit": {"type": "integer", "minimum": 5},
                    "score": {"type": "number"},
                    "exact": {"type": "boolean"},
                    "order": {"type": "string", "enum": ["newest", "oldest"]},
                    "note": {"type": "string"},
                },
                "required": ["user_id", "limit", "score", "exact", "order"],
            },
        },
    }
    response = complete(chat("search documents about otters", tools=[tool]))

    arguments = json.loads(reply_message(response)["tool_calls"][0]["function"]["arguments"])
    assert arguments == {
        "query": "search documents about otters",
        "user_id": "sample-user-id",
        "limit": 5,
        "score": 1,
        "exact": True,
        "order": "newest",
    }


def test_final_answer_after_tool_result_contains_the_result() -> None:
    first = complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL]))
    assistant = reply_message(first)
    tool_result = json.dumps({"message": "hello from echo"})
    request = chat(ECHO_REQUEST, tools=[ECHO_TOOL])
    request["messages"] += [
        assistant,
        {"role": "tool", "tool_call_id": assistant["tool_calls"][0]["id"], "content": tool_result},
    ]

    response = complete(request)

    assert response["choices"][0]["finish_reason"] == "stop"
    message = reply_message(response)
    assert "tool_calls" not in message
    assert message["content"] == f"Tool echo__echo returned: {tool_result}"


def test_final_answer_reports_every_tool_result_in_order() -> None:
    request = chat("Echo the weather forecast", tools=[ECHO_TOOL, WEATHER_TOOL])
    assistant = reply_message(complete(request))
    first_id, second_id = (call["id"] for call in assistant["tool_calls"])
    request["messages"] += [
        assistant,
        {"role": "tool", "tool_call_id": first_id, "content": "echoed"},
        {"role": "tool", "tool_call_id": second_id, "content": "sunny"},
    ]

    content = reply_message(complete(request))["content"]

    assert content == "Tool echo__echo returned: echoed\nTool weather__forecast returned: sunny"


def test_tool_choice_none_never_calls_tools() -> None:
    response = complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL], tool_choice="none"))

    assert reply_message(response) == {"role": "assistant", "content": f"Playground reply to: {ECHO_REQUEST}"}


def test_tool_choice_required_forces_a_call_without_a_match() -> None:
    response = complete(chat("What is the capital of France?", tools=[ECHO_TOOL], tool_choice="required"))

    [tool_call] = reply_message(response)["tool_calls"]
    assert tool_call["function"]["name"] == "echo__echo"
    assert json.loads(tool_call["function"]["arguments"]) == {"message": "What is the capital of France?"}


def test_tool_choice_naming_a_function_calls_exactly_that_function() -> None:
    tool_choice = {"type": "function", "function": {"name": "weather__forecast"}}
    response = complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL, WEATHER_TOOL], tool_choice=tool_choice))

    calls = reply_message(response)["tool_calls"]
    assert [call["function"]["name"] for call in calls] == ["weather__forecast"]


def test_tool_choice_naming_an_unknown_function_is_rejected() -> None:
    tool_choice = {"type": "function", "function": {"name": "missing__tool"}}

    with pytest.raises(PlaygroundRequestError, match="missing__tool"):
        complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL], tool_choice=tool_choice))


def test_request_without_messages_is_rejected() -> None:
    with pytest.raises(PlaygroundRequestError):
        complete({"model": "playground-mini", "messages": []})


def test_json_object_response_format_returns_json_text() -> None:
    response = complete(chat("Hello", response_format={"type": "json_object"}))

    assert json.loads(reply_message(response)["content"]) == {"reply": "Playground reply to: Hello"}


def test_json_schema_response_format_builds_a_matching_object() -> None:
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "confidence": {"type": "number"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mood": {"$ref": "#/$defs/Mood"},
            "comment": {"type": "string"},
        },
        "required": ["answer", "confidence", "tags", "mood"],
        "$defs": {"Mood": {"type": "string", "enum": ["happy", "sad"]}},
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema}}

    content = reply_message(complete(chat("Is it done?", response_format=response_format)))["content"]

    assert json.loads(content) == {
        "answer": "Playground reply to: Is it done?",
        "confidence": 1,
        "tags": [],
        "mood": "happy",
    }


def test_same_request_gives_the_same_response() -> None:
    request = chat(ECHO_REQUEST, tools=[ECHO_TOOL])

    assert complete(request) == complete(json.loads(json.dumps(request)))
    assert stream(request) == stream(json.loads(json.dumps(request)))


def test_tool_call_id_changes_with_the_conversation_turn() -> None:
    short = chat(ECHO_REQUEST, tools=[ECHO_TOOL])
    longer = chat(ECHO_REQUEST, tools=[ECHO_TOOL])
    longer["messages"][1:1] = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
    ]

    short_id = reply_message(complete(short))["tool_calls"][0]["id"]
    longer_id = reply_message(complete(longer))["tool_calls"][0]["id"]
    assert short_id != longer_id


def test_usage_approximates_four_characters_per_token() -> None:
    request = {"model": "playground-mini", "messages": [{"role": "user", "content": "abcdefghi"}]}

    response = complete(request)

    content = reply_message(response)["content"]
    assert response["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": math.ceil(len(content) / 4),
        "total_tokens": 3 + math.ceil(len(content) / 4),
    }


def test_tool_definitions_count_toward_prompt_tokens() -> None:
    without_tools = complete(chat(ECHO_REQUEST))["usage"]["prompt_tokens"]
    with_tools = complete(chat(ECHO_REQUEST, tools=[ECHO_TOOL], tool_choice="none"))["usage"]["prompt_tokens"]

    assert with_tools > without_tools


def reassemble(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Fold stream chunks back into a message the way an OpenAI client does."""
    content: str | None = None
    tool_calls: dict[int, dict[str, Any]] = {}
    finish_reason = None
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            if delta.get("content") is not None:
                content = (content or "") + delta["content"]
            for call_delta in delta.get("tool_calls", []):
                call = tool_calls.setdefault(
                    call_delta["index"], {"type": "function", "function": {"name": "", "arguments": ""}}
                )
                if "id" in call_delta:
                    call["id"] = call_delta["id"]
                function = call_delta.get("function", {})
                call["function"]["name"] += function.get("name", "")
                call["function"]["arguments"] += function.get("arguments", "")
            finish_reason = choice["finish_reason"] or finish_reason
    message: dict[str, Any] = {"role": chunks[0]["choices"][0]["delta"]["role"], "content": content}
    if tool_calls:
        message["tool_calls"] = [tool_calls[index] for index in sorted(tool_calls)]
    return {"message": message, "finish_reason": finish_reason}


def test_streamed_text_reassembles_to_the_completion() -> None:
    request = chat("Tell me a short story about otters")

    chunks = stream(request)
    completion = complete(request)

    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert all(chunk["id"] == "chatcmpl-test" for chunk in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content_deltas = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert len(content_deltas) > 3
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert reassemble(chunks) == {
        "message": reply_message(completion),
        "finish_reason": completion["choices"][0]["finish_reason"],
    }


def test_streamed_tool_calls_reassemble_to_the_completion() -> None:
    request = chat("Echo the weather forecast", tools=[ECHO_TOOL, WEATHER_TOOL])

    chunks = stream(request)
    completion = complete(request)

    deltas = [chunk["choices"][0]["delta"] for chunk in chunks]
    indexes = {call["index"] for delta in deltas for call in delta.get("tool_calls", [])}
    assert indexes == {0, 1}
    assert reassemble(chunks) == {"message": reply_message(completion), "finish_reason": "tool_calls"}


def test_stream_ends_with_usage_only_when_asked() -> None:
    request = chat(ECHO_REQUEST, tools=[ECHO_TOOL])
    with_usage = stream({**request, "stream": True, "stream_options": {"include_usage": True}})
    without_usage = stream({**request, "stream": True})

    assert with_usage[-1]["choices"] == []
    assert with_usage[-1]["usage"] == complete(request)["usage"]
    assert all(chunk["usage"] is None for chunk in with_usage[:-1])
    assert all("usage" not in chunk for chunk in without_usage)
    assert without_usage[-1]["choices"][0]["finish_reason"] == "tool_calls"


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(component * component for component in vector))


def test_embeddings_are_deterministic_sixteen_dimension_unit_vectors() -> None:
    response = embed({"model": "playground-embed", "input": ["hello world", "goodbye moon"]})

    assert response["object"] == "list"
    assert response["model"] == "playground-embed"
    assert [item["index"] for item in response["data"]] == [0, 1]
    assert all(item["object"] == "embedding" for item in response["data"])
    first, second = (item["embedding"] for item in response["data"])
    assert len(first) == len(second) == 16
    assert norm(first) == pytest.approx(1.0)
    assert norm(second) == pytest.approx(1.0)
    assert first != second
    assert embed({"model": "playground-embed", "input": "hello world"})["data"][0]["embedding"] == first
    assert response["usage"] == {"prompt_tokens": 3 + 3, "total_tokens": 6}


def test_embeddings_of_texts_sharing_words_are_closer() -> None:
    data = embed({"input": ["otters swim in rivers", "otters swim", "tax forms due"]})["data"]
    anchor, related, unrelated = (item["embedding"] for item in data)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(anchor, related) > cosine(anchor, unrelated)


def test_base64_embeddings_decode_to_the_float_vector() -> None:
    floats = embed({"input": "hello"})["data"][0]["embedding"]
    encoded = embed({"input": "hello", "encoding_format": "base64"})["data"][0]["embedding"]

    decoded = struct.unpack("<16f", base64.b64decode(encoded))
    assert decoded == pytest.approx(floats, abs=1e-6)


def test_embeddings_reject_unreadable_input() -> None:
    with pytest.raises(PlaygroundRequestError):
        embed({"input": [{"text": "nope"}]})


# ReAct text prompts, as LangChain's create_react_agent, CrewAI (models without function calling)
# and LlamaIndex's ReActAgent write them: tools in the prompt, steps as text.

LANGCHAIN_REACT_PROMPT = """Answer the following questions as best you can. You have access to the following tools:

echo(message: str) -> str - Echo a message back, exactly as the echo service returns it.
forecast(city: str) -> str - Forecast the weather for a city.

Use the following format:

Question: the input question you must answer
Thought: you should always think about what to do
Action: the action to take, should be one of [echo, forecast]
Action Input: the input to the action
Observation: the result of the action
... (this Thought/Action/Action Input/Observation can repeat N times)
Thought: I now know the final answer
Final Answer: the final answer to the original input question

Begin!

Question: {question}
Thought:{scratchpad}"""

CREWAI_REACT_SYSTEM = """You are Echo assistant. You relay messages.
You ONLY have access to the following tools, and should NEVER make up tools that are not listed here:

Tool Name: echo
Tool Arguments: {
  "properties": {"message": {"title": "Message", "type": "string"}},
  "required": ["message"],
  "type": "object"
}
Tool Description: Echo a message back, exactly as the echo service returns it.

IMPORTANT: Use the following format in your response:

```
Thought: you should always think about what to do
Action: the action to take, only one name of [echo], just the name, exactly as it's written.
Action Input: the input to the action, just a simple JSON object, enclosed in curly braces.
Observation: the result of the action
```

Once all necessary information is gathered, return the following format:

```
Thought: I now know the final answer
Final Answer: the final answer to the original input question
```"""


def langchain_react(question: str, scratchpad: str = "", **extra: Any) -> dict[str, Any]:
    prompt = LANGCHAIN_REACT_PROMPT.format(question=question, scratchpad=scratchpad)
    return {"model": "playground-mini", "messages": [{"role": "user", "content": prompt}], **extra}


def crewai_react(task: str) -> dict[str, Any]:
    return {"model": "playground-mini", "messages": [
        {"role": "system", "content": CREWAI_REACT_SYSTEM},
        {"role": "user", "content": f"\nCurrent Task: {task}\n\nBegin!\n\nThought:"},
    ]}


def test_react_prompt_gets_the_action_for_the_tool_its_question_names_as_text() -> None:
    response = complete(langchain_react("Please echo: hi there", stop=["\nObservation"]))

    assert response["choices"][0]["finish_reason"] == "stop"
    assert reply_message(response) == {
        "role": "assistant",
        "content": " I should use the echo tool.\nAction: echo\nAction Input: Please echo: hi there",
    }


def test_react_observation_leads_to_a_final_answer_reporting_it() -> None:
    scratchpad = (" I should use the echo tool.\nAction: echo\nAction Input: Please echo: hi there\n"
                  'Observation: {"echo": "Please echo: hi there"}\nThought: ')

    content = reply_message(complete(langchain_react("Please echo: hi there", scratchpad)))["content"]

    assert content == (' I now know the final answer\n'
                       'Final Answer: Tool echo returned: {"echo": "Please echo: hi there"}')


def test_react_question_that_matches_no_tool_gets_a_final_answer_at_once() -> None:
    content = reply_message(complete(langchain_react("What is the capital of France?")))["content"]

    assert content == " I now know the final answer\nFinal Answer: Playground reply to: What is the capital of France?"


def test_react_prompt_asking_for_json_input_gets_arguments_from_the_tools_schema() -> None:
    content = reply_message(complete(crewai_react("Echo the word banana")))["content"]

    thought, action, action_input = content.split("\n")
    assert (thought, action) == (" I should use the echo tool.", "Action: echo")
    assert action_input.startswith("Action Input: ")
    assert json.loads(action_input.removeprefix("Action Input: ")) == {
        "message": "Current Task: Echo the word banana\n\nBegin!"
    }


def test_react_tool_arguments_written_as_a_python_dict_of_properties_are_all_filled() -> None:
    """CrewAI before 0.80 describes a tool's arguments as a Python dict of its properties."""
    request = crewai_react("Echo the design of the game")
    request["messages"][0]["content"] = CREWAI_REACT_SYSTEM.replace(
        """Tool Name: echo
Tool Arguments: {
  "properties": {"message": {"title": "Message", "type": "string"}},
  "required": ["message"],
  "type": "object"
}""", """Tool Name: echo
Tool Arguments: {'task': {'description': 'The task to delegate', 'type': 'str'}, """
        """'coworker': {'description': 'The role/name of the coworker', 'type': 'str'}}""")

    content = reply_message(complete(request))["content"]

    arguments = json.loads(content.split("\n")[2].removeprefix("Action Input: "))
    assert set(arguments) == {"task", "coworker"} and all(isinstance(v, str) and v for v in arguments.values())


def test_react_step_answered_in_the_assistant_turn_then_nudged_by_the_user_finishes() -> None:
    request = crewai_react("Echo the word banana")
    step = reply_message(complete(request))["content"]
    request["messages"] += [
        {"role": "assistant", "content": step + '\nObservation: {"echo": "banana"}'},
        {"role": "user", "content": "Analyze the tool result. If requirements are met, provide the Final Answer."},
    ]

    content = reply_message(complete(request))["content"]

    assert content == 'Thought: I now know the final answer\nFinal Answer: Tool echo returned: {"echo": "banana"}'


def test_react_calls_each_matching_tool_once_in_order_then_answers_with_every_observation() -> None:
    system = ("You have these tools:\n> Tool Name: echo\nTool Description: Echo a message back\n"
              "> Tool Name: forecast\nTool Description: Forecast the weather for a city\n\n"
              "Thought: ...\nAction: tool name (one of echo, forecast) if using a tool.\n"
              "Action Input: the input to the tool, in a JSON format representing the kwargs\n"
              "Answer: [your answer here]")
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": "Echo the weather forecast"},
    ]
    actions = []
    for observation in ("echoed", "sunny"):
        step = reply_message(complete({"model": "playground-mini", "messages": messages}))["content"]
        actions.append(step.split("\n")[1])
        messages += [{"role": "assistant", "content": step}, {"role": "user", "content": f"Observation: {observation}"}]

    final = reply_message(complete({"model": "playground-mini", "messages": messages}))["content"]

    assert actions == ["Action: echo", "Action: forecast"]
    assert final == ("Thought: I now know the final answer\n"
                     "Answer: Tool echo returned: echoed\nTool forecast returned: sunny")


def test_native_tools_are_called_natively_even_with_a_react_prompt() -> None:
    request = langchain_react("Please echo: hi there")
    request["tools"] = [ECHO_TOOL]

    message = reply_message(complete(request))

    assert message["content"] is None and message["tool_calls"][0]["function"]["name"] == "echo__echo"


def test_stop_sequence_cuts_the_reply_where_it_first_appears() -> None:
    response = complete(chat("one two three", stop=["two", "three"]))

    assert reply_message(response)["content"] == "Playground reply to: one "


def test_stop_must_be_a_string_or_a_list_of_strings() -> None:
    with pytest.raises(PlaygroundRequestError, match="stop"):
        complete(chat("Hello", stop=[1]))


EXAMPLE_SCHEMA = {"properties": {"foo": {"title": "Foo", "type": "array", "items": {"type": "string"}}},
                  "required": ["foo"]}
WEATHER_SCHEMA = {"properties": {"city": {"title": "City", "type": "string"},
                                 "summary": {"title": "Summary", "type": "string"}},
                  "required": ["city", "summary"]}
# LangChain's PydanticOutputParser format instructions: an example schema (and a wrong instance
# that looks like one) before the real schema.
PARSER_INSTRUCTIONS = f"""Answer the user query.
The output should be formatted as a JSON instance that conforms to the JSON schema below.

As an example, for the schema {json.dumps(EXAMPLE_SCHEMA)}
the object {{"foo": ["bar", "baz"]}} is a well-formatted instance of the schema. \
The object {{"properties": {{"foo": ["bar", "baz"]}}}} is not well-formatted.

Here is the output schema:
```
{json.dumps(WEATHER_SCHEMA)}
```
Weather in Paris?"""


def test_a_json_schema_written_in_the_prompt_shapes_the_reply() -> None:
    content = reply_message(complete(chat(PARSER_INSTRUCTIONS)))["content"]

    answer = json.loads(content)
    assert set(answer) == {"city", "summary"}
    assert answer["city"] == "sample-city"
    # a summary is where the reply goes: it answers the question the prompt ends with
    assert answer["summary"].startswith("Playground reply to: ")
    assert answer["summary"].endswith("Weather in Paris?")


def test_json_object_reply_follows_a_schema_given_in_the_system_prompt() -> None:
    request = chat("Weather in Paris?", response_format={"type": "json_object"})
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    request["messages"][0]["content"] = f"Reply in JSON matching this schema: {json.dumps(schema)}"

    content = reply_message(complete(request))["content"]

    assert json.loads(content) == {"answer": "Playground reply to: Weather in Paris?"}


def test_tool_calls_that_are_not_a_list_of_objects_are_rejected() -> None:
    request = chat("Hello")
    request["messages"].append({"role": "assistant", "tool_calls": 1})

    with pytest.raises(PlaygroundRequestError, match="tool_calls"):
        complete(request)
