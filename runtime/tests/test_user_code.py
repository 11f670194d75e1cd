"""Tier 2: discovering and calling the agent's own code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write_module(folder: Path, relative: str, source: str) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


async def invoke(start_runtime, folder: Path, entry_point: str, message: str = "hello", **kwargs):
    async with start_runtime({"USER_ENTRY_POINT": entry_point}, cwd=folder) as client:
        return await client.post("/invoke", json={"message": message, **kwargs})


async def test_handler_with_context_gets_tools_model_session_history_and_role_models(
    start_runtime, agent_dir, gateway, tools
):
    write_module(
        agent_dir,
        "ctx_agent.py",
        """
        def handler(request, context):
            return {"response": "|".join([
                request["message"],
                context.model,
                context.tools["echo-tool"],
                context.llm_url,
                str(len(context.session["history"])),
                context.system_prompt,
            ])}
        """,
    )

    response = await invoke(
        start_runtime,
        agent_dir,
        "ctx_agent",
        history=[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
    )

    assert response.status_code == 200, response.text
    assert response.json()["response"] == (
        f"hello|gpt-4o-mini|{tools.url}|{gateway.url}/llm/v1/chat/completions|2|You are a test agent."
    )
    assert response.json()["model"] == "gpt-4o-mini"


async def test_handler_from_a_file_path_can_import_its_sibling_modules(start_runtime, agent_dir):
    write_module(agent_dir, "src/helpers_for_file_agent.py", "def shout(text):\n    return text.upper()\n")
    write_module(
        agent_dir,
        "src/file_agent.py",
        """
        from helpers_for_file_agent import shout

        def handler(request):
            return shout(request["message"])
        """,
    )

    response = await invoke(start_runtime, agent_dir, "src/file_agent.py")

    assert response.status_code == 200, response.text
    assert response.json()["response"] == "HELLO"


async def test_async_handler_is_awaited(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "async_agent.py",
        """
        import asyncio

        async def handler(request):
            await asyncio.sleep(0)
            return {"output": "async " + request["message"]}
        """,
    )

    response = await invoke(start_runtime, agent_dir, "async_agent")

    assert response.json()["response"] == "async hello"


async def test_sync_handler_runs_in_a_worker_thread_that_sees_the_run_identity(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "thread_agent.py",
        """
        import threading
        from runagents_runtime.propagation import outbound_headers

        def handler(request):
            headers = outbound_headers()
            return f"{threading.current_thread() is threading.main_thread()}|{headers['X-RunAgents-Run-Id']}"
        """,
    )

    async with start_runtime({"USER_ENTRY_POINT": "thread_agent"}, cwd=agent_dir) as client:
        response = await client.post("/invoke", json={"message": "x"}, headers={"X-RunAgents-Run-Id": "run-9"})

    assert response.json()["response"] == "False|run-9"


async def test_graph_object_is_invoked_with_the_message_and_answers_with_its_last_message(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "graph_agent.py",
        """
        class Graph:
            def invoke(self, state):
                first = state["messages"][0]
                content = getattr(first, "content", None) or first["content"]
                return {"messages": [first, {"role": "assistant", "content": "graph got " + content}]}

        graph = Graph()
        """,
    )

    response = await invoke(start_runtime, agent_dir, "graph_agent")

    assert response.json()["response"] == "graph got hello"


async def test_agent_object_is_invoked_with_input(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "executor_agent.py",
        """
        class Executor:
            def invoke(self, inputs):
                return {"input": inputs["input"], "output": "executed " + inputs["input"]}

        executor = Executor()
        """,
    )

    response = await invoke(start_runtime, agent_dir, "executor_agent")

    assert response.json()["response"] == "executed hello"


async def test_an_executor_wrapping_the_module_agent_is_called_instead_of_the_agent(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "langchain_style.py",
        """
        class Runnable:
            def invoke(self, inputs):
                raise KeyError("intermediate_steps")

        class RunnableAgent:
            def __init__(self, runnable):
                self.runnable = runnable

        class AgentExecutor:
            def __init__(self, agent):
                self.agent = RunnableAgent(agent)
            def invoke(self, inputs):
                return {"output": "executed " + inputs["input"]}

        agent = Runnable()
        executor = AgentExecutor(agent=agent)
        """,
    )

    response = await invoke(start_runtime, agent_dir, "langchain_style")

    assert response.status_code == 200, response.text
    assert response.json()["response"] == "executed hello"


async def test_crew_with_crewai_style_kickoff_gets_the_message_in_inputs(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "crew_agent.py",
        """
        class CrewOutput:
            def __init__(self, raw):
                self.raw = raw

        class Crew:
            def kickoff(self, inputs=None):
                return CrewOutput("crew got " + inputs["input"])

        crew = Crew()
        """,
    )

    response = await invoke(start_runtime, agent_dir, "crew_agent")

    assert response.json()["response"] == "crew got hello"


async def test_crew_whose_kickoff_takes_a_message_gets_it_positionally(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "crew_positional_agent.py",
        """
        class Crew:
            def kickoff(self, message):
                return "kicked off with " + message

        crew = Crew()
        """,
    )

    response = await invoke(start_runtime, agent_dir, "crew_positional_agent")

    assert response.json()["response"] == "kicked off with hello"


async def test_main_taking_the_message_is_called_with_it(start_runtime, agent_dir):
    write_module(agent_dir, "main_agent.py", "def main(message):\n    return 'main got ' + message\n")

    response = await invoke(start_runtime, agent_dir, "main_agent")

    assert response.json()["response"] == "main got hello"


async def test_main_without_parameters_is_called_without_arguments(start_runtime, agent_dir):
    write_module(agent_dir, "main_noargs_agent.py", "def main():\n    return {'answer': 42}\n")

    response = await invoke(start_runtime, agent_dir, "main_noargs_agent")

    assert response.json()["response"] == '{"answer": 42}'


async def test_handler_wins_over_main(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "both_agent.py",
        "def handler(request):\n    return 'handler'\n\ndef main():\n    return 'main'\n",
    )

    response = await invoke(start_runtime, agent_dir, "both_agent")

    assert response.json()["response"] == "handler"


async def test_import_error_keeps_the_runtime_up_degraded_and_invoke_answers_503(start_runtime, agent_dir):
    write_module(agent_dir, "broken_agent.py", "import os\nimport package_that_does_not_exist_xyz\n")

    async with start_runtime({"USER_ENTRY_POINT": "broken_agent"}, cwd=agent_dir) as client:
        health = await client.get("/healthz")
        response = await client.post("/invoke", json={"message": "hello"})
        streamed = await client.post("/invoke/stream", json={"message": "hello"})

    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    user_code = health.json()["user_code"]
    assert user_code["entry_point"] == "broken_agent"
    assert user_code["loaded"] is False
    assert "ModuleNotFoundError" in user_code["error"]
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "package_that_does_not_exist_xyz" in detail
    assert "broken_agent.py, line 2, in <module>" in detail
    assert streamed.status_code == 503


async def test_load_error_summary_redacts_secret_environment_values(start_runtime, agent_dir, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_API_KEY", "s3cr3t-value-123")
    write_module(
        agent_dir,
        "leaky_agent.py",
        "import os\nraise RuntimeError('bad key ' + os.environ['MY_SERVICE_API_KEY'])\n",
    )

    response = await invoke(start_runtime, agent_dir, "leaky_agent")

    assert response.status_code == 503
    assert "s3cr3t-value-123" not in response.text
    assert "bad key ***" in response.json()["detail"]


async def test_module_without_a_known_callable_is_reported_as_not_loaded(start_runtime, agent_dir):
    write_module(agent_dir, "plain_agent.py", "VALUE = 1\n")

    async with start_runtime({"USER_ENTRY_POINT": "plain_agent"}, cwd=agent_dir) as client:
        health = await client.get("/healthz")

    assert health.json()["user_code"]["loaded"] is False
    assert "defines none of handler()" in health.json()["user_code"]["error"]


async def test_handler_exception_is_a_500_problem_with_its_last_frame(start_runtime, agent_dir):
    write_module(
        agent_dir,
        "raising_agent.py",
        "def handler(request):\n    raise ValueError('cannot handle ' + request['message'])\n",
    )

    response = await invoke(start_runtime, agent_dir, "raising_agent")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert detail.startswith("ValueError: cannot handle hello (at ")
    assert detail.endswith("raising_agent.py, line 2, in handler)")


async def test_tier2_stream_emits_the_answer_then_done(start_runtime, agent_dir, parse_sse):
    write_module(agent_dir, "stream_agent.py", "def handler(request):\n    return 'streamed answer'\n")

    async with start_runtime({"USER_ENTRY_POINT": "stream_agent"}, cwd=agent_dir) as client:
        response = await client.post("/invoke/stream", json={"message": "hello"})

    events = parse_sse(response.text)
    assert events[0] == {"type": "content", "delta": "streamed answer"}
    assert events[1]["type"] == "done"
    assert events[2] == "[DONE]"


GENERATOR_AGENTS = {
    "sync": "def handler(request):\n    for word in request['message'].split():\n        yield word + ' '\n",
    "async": (
        "import asyncio\n"
        "async def handler(request, context):\n"
        "    for word in request['message'].split():\n"
        "        await asyncio.sleep(0)\n"
        "        yield word + ' '\n"
    ),
}


@pytest.mark.parametrize("kind", sorted(GENERATOR_AGENTS))
async def test_a_generator_handler_streams_each_piece_and_invoke_joins_them(start_runtime, agent_dir, parse_sse,
                                                                            kind):
    write_module(agent_dir, f"gen_{kind}.py", GENERATOR_AGENTS[kind])

    async with start_runtime({"USER_ENTRY_POINT": f"gen_{kind}"}, cwd=agent_dir) as client:
        streamed = await client.post("/invoke/stream", json={"message": "one two three"})
        joined = await client.post("/invoke", json={"message": "one two three"})

    events = parse_sse(streamed.text)
    assert [e["delta"] for e in events if isinstance(e, dict) and e["type"] == "content"] == ["one ", "two ", "three "]
    assert events[-2]["type"] == "done" and events[-1] == "[DONE]"
    assert joined.status_code == 200
    assert joined.json()["response"] == "one two three "


async def test_a_generator_that_fails_midway_reports_the_error_in_the_stream(start_runtime, agent_dir, parse_sse):
    write_module(agent_dir, "gen_fail.py", "def handler(request):\n    yield 'partial '\n    raise KeyError('gone')\n")

    async with start_runtime({"USER_ENTRY_POINT": "gen_fail"}, cwd=agent_dir) as client:
        streamed = await client.post("/invoke/stream", json={"message": "x"})
        plain = await client.post("/invoke", json={"message": "x"})

    events = parse_sse(streamed.text)
    assert events[0] == {"type": "content", "delta": "partial "}
    assert events[1]["type"] == "error" and "KeyError" in events[1]["detail"]
    assert events[-1] == "[DONE]"
    assert plain.status_code == 500 and "KeyError" in plain.json()["detail"]
