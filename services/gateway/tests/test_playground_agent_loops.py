"""The playground model in agent loops, through the real gateway app and the real SDKs: tool_choice
honoured at every turn, structured output that fits its schema, and loops that end.

Each loop here is driven the way a framework drives it: call the model, run the tools it asks
for, send their results back, until it answers. The request shapes are those the frameworks send
(Pydantic AI's `final_result` tool with tool_choice "required", smolagents' `final_answer` with
tool results as `Observation:` user messages, the OpenAI Agents SDK's json_schema response format,
instructor's and LangChain's forced function).
"""

import json
from typing import Any

import httpx

from runagents_gateway.playground.replies import HARD_CAP_ROUNDS

from .conftest import Gateway

MAX_TURNS = 8
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather forecast for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "summary": {"type": "string", "maxLength": 400},
        "kind": {"$ref": "#/$defs/Kind"},
        "days": {"type": "array", "items": {"$ref": "#/$defs/Day"}, "minItems": 1},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["city", "summary", "kind", "days", "note", "confidence"],
    "additionalProperties": False,
    "$defs": {
        "Kind": {"enum": ["forecast", "history"], "type": "string"},
        "Day": {"type": "object", "properties": {"date": {"type": "string", "format": "date"},
                                                 "high": {"type": "integer", "minimum": -50}},
                "required": ["date", "high"], "additionalProperties": False},
    },
}
FINAL_RESULT_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {"name": "final_result", "description": "The final response which ends this conversation",
                 "parameters": REPORT_SCHEMA},
}
FINAL_ANSWER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {"name": "final_answer", "description": "Provides a final answer to the given problem.",
                 "parameters": {"type": "object", "properties": {"answer": {"type": "string",
                                                                             "description": "The final answer"}},
                                "required": ["answer"]}},
}
QUESTION = "What is the weather in Paris?"


def assert_fits_report_schema(report: dict[str, Any]) -> None:
    assert set(report) == set(REPORT_SCHEMA["required"])
    assert isinstance(report["city"], str)
    assert report["kind"] in ("forecast", "history")
    assert len(report["days"]) >= 1
    assert all(set(day) == {"date", "high"} and isinstance(day["high"], int) and day["high"] >= -50
               for day in report["days"])
    assert report["note"] is None or isinstance(report["note"], str)
    assert 0 <= report["confidence"] <= 1
    assert len(report["summary"]) <= 400


def run_tool(name: str, arguments: str) -> str:
    if name == "get_weather":
        return f"Sunny, 24C in {json.loads(arguments)['city']}"
    return f"{name} ran"


async def chat_loop(gateway: Gateway, messages: list[dict[str, Any]], **request: Any) -> tuple[Any, list[str]]:
    """The loop a framework runs over chat completions: (the last message, the tools called in order)."""
    client = gateway.client()
    called: list[str] = []
    for _ in range(MAX_TURNS):
        completion = await client.chat.completions.create(model="playground-mini", messages=messages, **request)
        message = completion.choices[0].message
        if not message.tool_calls:
            return message, called
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            called.append(call.function.name)
            if call.function.name in ("final_result", "final_answer"):
                return message, called
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": run_tool(call.function.name, call.function.arguments)})
    raise AssertionError(f"the loop did not end in {MAX_TURNS} turns: {called}")


async def test_required_tool_choice_calls_the_tool_then_the_output_tool_with_a_fitting_answer(
        sqlite_gateway: Gateway) -> None:
    # Pydantic AI with output_type and tools: final_result, tool_choice "required" at every turn
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": QUESTION}],
                                      tools=[WEATHER_TOOL, FINAL_RESULT_TOOL], tool_choice="required")

    assert called == ["get_weather", "final_result"]
    [final] = message.tool_calls
    report = json.loads(final.function.arguments)
    assert_fits_report_schema(report)
    assert "Sunny, 24C in" in report["summary"]


async def test_output_tool_answers_at_once_when_no_other_tool_fits(sqlite_gateway: Gateway) -> None:
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": "Tell me a joke"}],
                                      tools=[WEATHER_TOOL, FINAL_RESULT_TOOL], tool_choice="required")

    assert called == ["final_result"]
    report = json.loads(message.tool_calls[0].function.arguments)
    assert_fits_report_schema(report)
    assert "Tell me a joke" in report["summary"]


async def test_output_tool_ends_the_loop_under_auto_too(sqlite_gateway: Gateway) -> None:
    # a text reply would be refused by a framework that offers an output tool and no text output
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": QUESTION}],
                                      tools=[WEATHER_TOOL, FINAL_RESULT_TOOL])

    assert called == ["get_weather", "final_result"]
    assert_fits_report_schema(json.loads(message.tool_calls[0].function.arguments))


async def test_smolagents_style_loop_answers_through_final_answer_after_an_observation(
        sqlite_gateway: Gateway) -> None:
    """smolagents' ToolCallingAgent: tool_choice "required", the tool call written back as an assistant
    text and the result as an `Observation:` user message."""
    client = sqlite_gateway.client()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are an expert assistant who can solve any task using tool calls."},
        {"role": "user", "content": f"New task:\n{QUESTION}"},
    ]
    called: list[str] = []
    answer = None
    for _ in range(MAX_TURNS):
        completion = await client.chat.completions.create(
            model="playground-mini", messages=messages, tools=[WEATHER_TOOL, FINAL_ANSWER_TOOL],
            tool_choice="required", stop=["Observation:", "Calling tools:"])
        [call] = completion.choices[0].message.tool_calls or []
        called.append(call.function.name)
        if call.function.name == "final_answer":
            answer = json.loads(call.function.arguments)["answer"]
            break
        record = {"id": call.id, "type": "function",
                  "function": {"name": call.function.name, "arguments": json.loads(call.function.arguments)}}
        messages.append({"role": "assistant", "content": f"Calling tools:\n{[record]}"})
        messages.append({"role": "user",
                         "content": f"Observation:\n{run_tool(call.function.name, call.function.arguments)}"})

    assert called == ["get_weather", "final_answer"]
    assert answer is not None and "Sunny, 24C in" in answer


async def test_smolagents_task_label_is_not_part_of_the_question(sqlite_gateway: Gateway) -> None:
    completion = await sqlite_gateway.client().chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": "New task:\nTell me a joke"}],
        tools=[WEATHER_TOOL, FINAL_ANSWER_TOOL], tool_choice="required")

    [call] = completion.choices[0].message.tool_calls or []
    assert call.function.name == "final_answer"
    assert json.loads(call.function.arguments) == {"answer": "Playground reply to: Tell me a joke"}


async def test_a_named_function_is_called_at_every_turn(sqlite_gateway: Gateway) -> None:
    # instructor and LangChain's with_structured_output(method="function_calling") force one function,
    # also when they send the conversation back (a retry after a validation error)
    client = sqlite_gateway.client()
    report_tool = {"type": "function", "function": {"name": "WeatherReport", "parameters": REPORT_SCHEMA}}
    forced = {"type": "function", "function": {"name": "WeatherReport"}}
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]

    first = (await client.chat.completions.create(model="playground-mini", messages=messages,
                                                  tools=[WEATHER_TOOL, report_tool], tool_choice=forced))
    [call] = first.choices[0].message.tool_calls or []
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "Validation error: try again"}]
    second = (await client.chat.completions.create(model="playground-mini", messages=messages,
                                                   tools=[WEATHER_TOOL, report_tool], tool_choice=forced))

    assert call.function.name == "WeatherReport"
    report = json.loads(call.function.arguments)
    assert_fits_report_schema(report)
    assert report["summary"] == f"Playground reply to: {QUESTION}"  # the answer, not the question echoed
    [again] = second.choices[0].message.tool_calls or []
    assert again.function.name == "WeatherReport"


async def test_required_without_an_output_tool_still_calls_a_tool_after_results(sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.client()
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    first = await client.chat.completions.create(model="playground-mini", messages=messages,
                                                 tools=[WEATHER_TOOL], tool_choice="required")
    [call] = first.choices[0].message.tool_calls or []
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "Sunny"}]

    second = await client.chat.completions.create(model="playground-mini", messages=messages,
                                                  tools=[WEATHER_TOOL], tool_choice="required")
    auto = await client.chat.completions.create(model="playground-mini", messages=messages, tools=[WEATHER_TOOL])

    assert second.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in second.choices[0].message.tool_calls or []] == ["get_weather"]
    assert auto.choices[0].message.tool_calls is None
    assert auto.choices[0].message.content == "Tool get_weather returned: Sunny"


async def test_tool_choice_none_answers_in_text_after_tool_results_too(sqlite_gateway: Gateway) -> None:
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": QUESTION}],
                                      tools=[WEATHER_TOOL, FINAL_RESULT_TOOL], tool_choice="none")

    assert called == []
    assert message.content == f"Playground reply to: {QUESTION}"


async def test_auto_loop_calls_the_tool_once_then_answers_with_its_result(sqlite_gateway: Gateway) -> None:
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": QUESTION}], tools=[WEATHER_TOOL])

    assert called == ["get_weather"]
    assert message.content == "Tool get_weather returned: Sunny, 24C in sample-city"


async def test_json_schema_response_format_after_a_tool_round_fits_the_schema(sqlite_gateway: Gateway) -> None:
    # the OpenAI Agents SDK's output_type: response_format json_schema (strict), tools alongside
    response_format = {"type": "json_schema",
                       "json_schema": {"name": "final_output", "strict": True, "schema": REPORT_SCHEMA}}
    message, called = await chat_loop(sqlite_gateway, [{"role": "user", "content": QUESTION}],
                                      tools=[WEATHER_TOOL], response_format=response_format)

    assert called == ["get_weather"]
    report = json.loads(message.content)
    assert_fits_report_schema(report)
    assert "Sunny, 24C in" in report["summary"]


async def test_json_schema_without_tools_mentions_the_question(sqlite_gateway: Gateway) -> None:
    completion = await sqlite_gateway.client().chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": QUESTION}],
        response_format={"type": "json_schema", "json_schema": {"name": "report", "schema": REPORT_SCHEMA}})

    report = json.loads(completion.choices[0].message.content or "")
    assert_fits_report_schema(report)
    assert QUESTION in report["summary"]


async def test_json_object_response_format_is_a_json_object(sqlite_gateway: Gateway) -> None:
    completion = await sqlite_gateway.client().chat.completions.create(
        model="playground-mini", messages=[{"role": "user", "content": QUESTION}],
        response_format={"type": "json_object"})

    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


async def test_streamed_loop_sends_tool_call_deltas_then_the_output_tool(sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.client()
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    called: list[tuple[str, str]] = []
    for _ in range(MAX_TURNS):
        stream = await client.chat.completions.create(model="playground-mini", messages=messages, stream=True,
                                                      tools=[WEATHER_TOOL, FINAL_RESULT_TOOL], tool_choice="required")
        calls: dict[int, dict[str, str]] = {}
        async for chunk in stream:
            for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                entry = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                entry["id"] += delta.id or ""
                entry["name"] += (delta.function.name or "") if delta.function else ""
                entry["arguments"] += (delta.function.arguments or "") if delta.function else ""
        [call] = calls.values()
        called.append((call["name"], call["arguments"]))
        if call["name"] == "final_result":
            break
        messages += [{"role": "assistant", "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}
        ]}, {"role": "tool", "tool_call_id": call["id"], "content": run_tool(call["name"], call["arguments"])}]

    assert [name for name, _ in called] == ["get_weather", "final_result"]
    assert_fits_report_schema(json.loads(called[-1][1]))


async def test_anthropic_messages_loop_honours_tool_choice_any_and_ends(sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.anthropic()
    tools: list[Any] = [
        {"name": "get_weather", "description": "Get the weather forecast for a city",
         "input_schema": WEATHER_TOOL["function"]["parameters"]},
        {"name": "final_result", "description": "The final response", "input_schema": REPORT_SCHEMA},
    ]
    messages: list[Any] = [{"role": "user", "content": QUESTION}]
    called: list[str] = []
    final: dict[str, Any] = {}
    for _ in range(MAX_TURNS):
        reply = await client.messages.create(model="playground-mini", max_tokens=512, messages=messages,
                                             tools=tools, tool_choice={"type": "any"})
        [use] = [block for block in reply.content if block.type == "tool_use"]
        called.append(use.name)
        if use.name == "final_result":
            final = dict(use.input)  # type: ignore[call-overload]
            break
        messages += [{"role": "assistant", "content": [block.model_dump() for block in reply.content]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                                   "content": "Sunny, 24C"}]}]

    assert called == ["get_weather", "final_result"]
    assert_fits_report_schema(final)


async def test_anthropic_streamed_tool_choice_naming_a_tool_calls_it(sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.anthropic()
    tools: list[Any] = [{"name": "report", "description": "Report", "input_schema": REPORT_SCHEMA}]
    async with client.messages.stream(model="playground-mini", max_tokens=512, tools=tools,
                                      messages=[{"role": "user", "content": "Hello there"}],
                                      tool_choice={"type": "tool", "name": "report"}) as stream:
        message = await stream.get_final_message()

    [use] = [block for block in message.content if block.type == "tool_use"]
    assert use.name == "report"
    assert message.stop_reason == "tool_use"
    assert_fits_report_schema(dict(use.input))  # type: ignore[call-overload]


async def test_responses_api_loop_with_required_tool_choice_and_a_json_schema_answer(
        sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.client()
    tool = {"type": "function", "strict": False, **WEATHER_TOOL["function"]}
    text_format = {"format": {"type": "json_schema", "name": "report", "schema": REPORT_SCHEMA, "strict": True}}

    first = await client.responses.create(model="playground-mini", input=QUESTION, tools=[tool],  # type: ignore[list-item]
                                          tool_choice="required", text=text_format)  # type: ignore[arg-type]
    [call] = [item for item in first.output if item.type == "function_call"]
    second = await client.responses.create(model="playground-mini", tools=[tool], text=text_format,  # type: ignore[list-item,arg-type]
                                           input=[{"role": "user", "content": QUESTION},
                                                  {"type": "function_call", "call_id": call.call_id,
                                                   "name": call.name, "arguments": call.arguments},
                                                  {"type": "function_call_output", "call_id": call.call_id,
                                                   "output": "Sunny, 24C"}])

    assert call.name == "get_weather"
    report = json.loads(second.output_text)
    assert_fits_report_schema(report)
    assert "Sunny, 24C" in report["summary"]


async def test_the_groq_sdks_path_is_the_same_chat_completions(sqlite_gateway: Gateway) -> None:
    # GROQ_BASE_URL=<gateway>/llm: the groq SDK appends /openai/v1/chat/completions
    async with httpx.AsyncClient(base_url=f"{sqlite_gateway.url}/llm") as client:
        response = await client.post("/openai/v1/chat/completions", headers={"Authorization": "Bearer x"},
                                     json={"model": "playground-mini", "tools": [WEATHER_TOOL],
                                           "tool_choice": "required",
                                           "messages": [{"role": "user", "content": QUESTION}]})

    assert response.status_code == 200
    [call] = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"


async def test_responses_api_stream_carries_the_forced_call_as_argument_deltas(sqlite_gateway: Gateway) -> None:
    client = sqlite_gateway.client()
    tools = [{"type": "function", "strict": False, **WEATHER_TOOL["function"]},
             {"type": "function", "strict": False, **FINAL_RESULT_TOOL["function"]}]
    stream = await client.responses.create(model="playground-mini", stream=True, tools=tools,  # type: ignore[call-overload]
                                           input="Tell me a joke", tool_choice="required")
    deltas: list[str] = []
    done: list[Any] = []
    async for event in stream:
        if event.type == "response.function_call_arguments.delta":
            deltas.append(event.delta)
        elif event.type == "response.completed":
            done = [item for item in event.response.output if item.type == "function_call"]

    [call] = done
    assert call.name == "final_result"
    assert len(deltas) > 1 and "".join(deltas) == call.arguments
    assert_fits_report_schema(json.loads(call.arguments))


async def test_a_loop_no_tool_can_end_still_ends_in_text(sqlite_gateway: Gateway) -> None:
    # required, no output tool, and a loop that never relaxes tool_choice: it must not run for ever
    client = sqlite_gateway.client()
    messages: list[dict[str, Any]] = [{"role": "user", "content": QUESTION}]
    tool_rounds = 0
    for _ in range(20):
        completion = await client.chat.completions.create(model="playground-mini", messages=messages,
                                                          tools=[WEATHER_TOOL], tool_choice="required")
        message = completion.choices[0].message
        if not message.tool_calls:
            break
        tool_rounds += 1
        messages.append(message.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": call.id, "content": "Sunny"} for call in message.tool_calls]

    assert tool_rounds == HARD_CAP_ROUNDS
    assert message.content == "Tool get_weather returned: Sunny"
