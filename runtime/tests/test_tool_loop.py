"""Tier 1: the built-in tool-calling loop, through POST /invoke."""

from __future__ import annotations

import json


async def test_invoke_calls_the_tool_and_returns_the_final_answer(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {"text": "hi"})), gateway.text_reply("The tool said hi."))

    async with start_runtime() as client:
        response = await client.post(
            "/invoke", json={"message": "say hi", "history": [{"role": "user", "content": "earlier"}]}
        )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"] == "The tool said hi."
    assert body["model"] == "gpt-4o-mini"
    assert body["usage"] == {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}
    assert body["tool_calls_made"] == [
        {"function": "echo__echo", "method": "POST", "url": f"{tools.url}/echo", "status": 200}
    ]
    assert isinstance(body["duration_ms"], int)
    assert len(body["request_id"]) == 32
    assert tools.requests[0].body == {"text": "hi"}

    first, second = (request.body for request in gateway.requests)
    assert [m["role"] for m in first["messages"]] == ["system", "user", "user"]
    assert first["messages"][0]["content"] == "You are a test agent."
    assert {tool["function"]["name"] for tool in first["tools"]} >= {"echo__echo"}
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "echo__echo"
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_0",
        "content": json.dumps({"echo": {"text": "hi"}}, separators=(",", ":")),
    }


async def test_parallel_tool_calls_in_one_turn_run_concurrently(start_runtime, gateway, tools):
    gateway.reply_with(
        gateway.tool_reply(("echo__slow", {"n": 1}), ("echo__slow", {"n": 2})), gateway.text_reply("both done")
    )

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "go"})

    assert response.status_code == 200
    assert tools.max_in_flight == 2
    tool_messages = [m for m in gateway.requests[1].body["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0", "call_1"]


async def test_loop_stops_with_a_clear_message_at_max_tool_iterations(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {"again": True})))

    async with start_runtime({"MAX_TOOL_ITERATIONS": "3"}) as client:
        response = await client.post("/invoke", json={"message": "loop forever"})

    assert response.status_code == 200
    body = response.json()
    assert "limit of 3 tool-calling iterations" in body["response"]
    assert len(gateway.requests) == 3
    assert len(tools.requests) == 3
    assert len(body["tool_calls_made"]) == 3
    assert body["usage"]["total_tokens"] == 45


async def test_approval_required_403_is_fed_back_to_the_model_as_a_tool_result(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__guarded", {})), gateway.text_reply("Waiting for approval."))

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "do the guarded thing"})

    assert response.status_code == 200
    assert response.json()["response"] == "Waiting for approval."
    assert response.json()["tool_calls_made"][0]["status"] == 403
    tool_result = json.loads(gateway.requests[1].body["messages"][-1]["content"])
    assert tool_result["status"] == 403
    assert tool_result["approval_required"] is True
    assert tool_result["body"]["code"] == "APPROVAL_REQUIRED"


async def test_unknown_function_is_reported_to_the_model_not_raised(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("nope__missing", {})), gateway.text_reply("Sorry."))

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "call something odd"})

    assert response.status_code == 200
    assert response.json()["tool_calls_made"] == []
    assert tools.requests == []
    tool_result = json.loads(gateway.requests[1].body["messages"][-1]["content"])
    assert "unknown function 'nope__missing'" in tool_result["error"]


async def test_path_placeholders_are_filled_and_other_arguments_go_to_the_query(start_runtime, gateway, tools):
    gateway.reply_with(
        gateway.tool_reply(("echo__get_item", {"item_id": "a b?", "verbose": True, "limit": 5})),
        gateway.text_reply("found"),
    )

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "get item"})

    assert response.status_code == 200
    request = tools.requests[0]
    assert request.method == "GET"
    tool_result = json.loads(gateway.requests[1].body["messages"][-1]["content"])
    assert tool_result["item"] == "a b?"
    assert response.json()["tool_calls_made"][0]["url"] == f"{tools.url}/items/a%20b%3F"
    assert request.query == {"verbose": "true", "limit": "5"}
    assert request.body is None


async def test_invalid_tool_arguments_are_reported_to_the_model(start_runtime, gateway, tools):
    reply = gateway.tool_reply(("echo__echo", {}))
    reply["tool_calls"][0]["function"]["arguments"] = "{not json"
    gateway.reply_with(reply, gateway.text_reply("I will fix my arguments."))

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "go"})

    assert response.status_code == 200
    assert tools.requests == []
    assert "not valid JSON" in json.loads(gateway.requests[1].body["messages"][-1]["content"])["error"]


async def test_unreachable_gateway_answers_502_problem(start_runtime, down_url):
    async with start_runtime({"LLM_GATEWAY_URL": f"{down_url}/llm/v1/chat/completions"}) as client:
        response = await client.post("/invoke", json={"message": "hello"})

    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 502
    assert problem["title"] == "LLM gateway unavailable"
    assert f"{down_url}/llm/v1/chat/completions" in problem["detail"]
    assert "unreachable" in problem["detail"]


async def test_gateway_5xx_answers_502_problem_with_the_upstream_status(start_runtime, gateway):
    gateway.status_code = 503

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "hello"})

    assert response.status_code == 502
    assert response.json()["upstream_status"] == 503
    assert "upstream exploded" in response.json()["detail"]


async def test_invoke_without_a_gateway_url_answers_503_problem(start_runtime):
    async with start_runtime({"LLM_GATEWAY_URL": None}) as client:
        response = await client.post("/invoke", json={"message": "hello"})

    assert response.status_code == 503
    assert "LLM_GATEWAY_URL" in response.json()["detail"]


async def test_a_cookie_a_tool_sets_in_one_run_is_not_sent_in_the_next(start_runtime, gateway, tools):
    gateway.reply_with(
        gateway.tool_reply(("echo__login", {})),
        gateway.text_reply("logged in"),
        gateway.tool_reply(("echo__echo", {})),
        gateway.text_reply("echoed"),
    )

    # By name, not IP: cookie jars ignore cookies from IP addresses.
    by_name = tools.url.replace("127.0.0.1", "localhost")
    async with start_runtime({"TOOL_URL_ECHO_TOOL": by_name}) as client:
        first = await client.post("/invoke", json={"message": "log in"})
        second = await client.post("/invoke", json={"message": "echo"})

    assert (first.json()["response"], second.json()["response"]) == ("logged in", "echoed")
    login, echo = tools.requests
    assert login.path == "/login" and echo.path == "/echo"
    assert "cookie" not in echo.headers


async def test_calls_go_through_the_proxy_named_in_the_environment(start_runtime, gateway, down_url, monkeypatch):
    # The "proxy" is the fake gateway itself: it serves the absolute-form request for the path it knows.
    monkeypatch.setenv("HTTP_PROXY", gateway.url)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    gateway.reply_with(gateway.text_reply("via the proxy"))

    async with start_runtime({"LLM_GATEWAY_URL": f"{down_url}/llm/v1/chat/completions"}) as client:
        response = await client.post("/invoke", json={"message": "hello"})

    assert response.status_code == 200, response.text
    assert response.json()["response"] == "via the proxy"
