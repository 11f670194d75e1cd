"""Tier 2 through the agent's process: loading, turns, errors, concurrency, cancelling and its death."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from runagents_runtime.agent_process import AgentProcess, EntryEnvironment, LoadState
from runagents_runtime.app import create_app
from runagents_runtime.config import load_config


def write_module(folder: Path, relative: str, source: str) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


@asynccontextmanager
async def agent_runtime(base_env: dict[str, str], folder: Path, entry_point: str, *,
                        env: dict[str, str] | None = None) -> AsyncIterator[tuple[httpx.AsyncClient, Any, list[str]]]:
    """The runtime app with the agent's process loaded (or failed); yields a client, the app and the exits seen."""
    exits: list[str] = []
    config = load_config({**base_env, "USER_ENTRY_POINT": entry_point, **(env or {})})
    app = create_app(config, cwd=folder, environ={**os.environ, **(env or {})}, on_agent_exit=exits.append)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runtime.test") as client,
    ):
        await app.state.agent_process.settled.wait()
        yield client, app, exits


async def turn_until_started(process: AgentProcess, folder: Path, *, stream: bool
                             ) -> tuple[AsyncGenerator[Any, None], asyncio.Task[Any]]:
    """Start a turn straight on the agent's process; return it and its first step, once the agent's
    code wrote `started` (the child signals through a file)."""
    turn = process.turn({"message": "x", "history": [], "context": {}, "stream": stream},
                        {"request_id": "r", "trace_id": "1" * 32, "trace_flags": "01", "agent": "a"})
    pending = asyncio.create_task(anext(turn))
    while not (folder / "started").exists():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    return turn, pending


async def test_a_handler_gets_message_history_and_the_runs_context(base_env, agent_dir, gateway, tools):
    write_module(agent_dir, "ctx_agent.py", """
        def handler(request, context):
            return {"response": "|".join([
                request["message"], context.model, context.tools["echo-tool"], context.llm_url,
                str(len(context.session["history"])), str(len(request["history"])), context.system_prompt,
            ])}
        """)

    async with agent_runtime(base_env, agent_dir, "ctx_agent.py") as (client, _, _):
        response = await client.post("/invoke", json={
            "message": "hello", "history": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})
        health = (await client.get("/healthz")).json()
        ready = await client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["response"] == (
        f"hello|gpt-4o-mini|{tools.url}|{gateway.url}/llm/v1/chat/completions|2|2|You are a test agent."
    )
    assert response.json()["model"] == "gpt-4o-mini"
    assert health["status"] == "ok"
    assert health["user_code"] == {"entry_point": "ctx_agent.py", "loaded": True, "error": None,
                                   "adapter": "handler", "target": "handler"}
    assert ready.status_code == 200, ready.text


async def test_the_agents_code_runs_in_another_process_with_the_agent_python_in_the_uploads_root(
        base_env, agent_dir):
    write_module(agent_dir, "helpers_for_file_agent.py", "def shout(text):\n    return text.upper()\n")
    write_module(agent_dir, "where_agent.py", """
        import os, sys
        from helpers_for_file_agent import shout

        def handler(request):
            return "|".join([shout(request["message"]), str(os.getpid()), sys.executable, os.getcwd(),
                             str(sys.flags.isolated), str("fastapi" in sys.modules)])
        """)

    async with agent_runtime(base_env, agent_dir, "where_agent.py") as (client, _, _):
        response = await client.post("/invoke", json={"message": "hello"})

    shouted, pid, python, cwd, isolated, fastapi_loaded = response.json()["response"].split("|")
    assert shouted == "HELLO"
    assert int(pid) != os.getpid()
    assert python == sys.executable
    assert Path(cwd) == agent_dir.resolve()
    assert (isolated, fastapi_loaded) == ("1", "False")


async def test_the_agents_prints_go_to_its_log_and_never_into_the_conversation(base_env, agent_dir, capfd):
    write_module(agent_dir, "chatty_agent.py", """
        import sys
        print('{"type": "done", "id": "x", "calls": {}}')
        print("not json at all {")

        def handler(request):
            print('{"type": "event", "id": "nope", "event": {"type": "answer", "text": "forged"}}')
            sys.stdout.write("x" * 100000 + "\\n")
            print("to stderr", file=sys.stderr)
            return "the real answer"
        """)

    async with agent_runtime(base_env, agent_dir, "chatty_agent.py") as (client, _, _):
        response = await client.post("/invoke", json={"message": "hi"})

    assert response.status_code == 200, response.text
    assert response.json()["response"] == "the real answer"
    captured = capfd.readouterr()
    assert "not json at all {" in captured.out and "forged" in captured.out
    assert "to stderr" in captured.err


async def test_a_load_failure_keeps_the_runtime_up_degraded_not_ready_and_invoke_answers_503(
        base_env, agent_dir, monkeypatch):
    monkeypatch.setenv("MY_SERVICE_API_KEY", "s3cr3t-value-123")
    write_module(agent_dir, "broken_agent.py", """
        import os
        raise RuntimeError("bad key " + os.environ["MY_SERVICE_API_KEY"])
        """)

    async with agent_runtime(base_env, agent_dir, "broken_agent.py") as (client, _, exits):
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        response = await client.post("/invoke", json={"message": "hello"})
        streamed = await client.post("/invoke/stream", json={"message": "hello"})

    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    user_code = health.json()["user_code"]
    assert (user_code["entry_point"], user_code["loaded"]) == ("broken_agent.py", False)
    assert user_code["error"] == ("importing broken_agent (broken_agent.py) raised RuntimeError: bad key *** "
                                  "(at broken_agent.py, line 3, in <module>)")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.json()["title"] == "Agent code not loaded"
    assert "bad key ***" in ready.json()["detail"]
    assert response.status_code == 503
    assert response.json()["title"] == "Agent code failed to load"
    assert streamed.status_code == 503
    assert "s3cr3t-value-123" not in health.text + ready.text + response.text + streamed.text
    assert exits == []  # a failed load leaves the runtime serving its status


async def test_a_missing_entry_file_is_reported_as_not_loaded(base_env, agent_dir):
    async with agent_runtime(base_env, agent_dir, "nowhere.py") as (client, _, _):
        health = (await client.get("/healthz")).json()

    assert health["user_code"]["loaded"] is False
    assert "nowhere.py" in health["user_code"]["error"]


async def test_readyz_is_503_while_the_agents_code_is_still_loading(base_env, agent_dir):
    write_module(agent_dir, "slow_agent.py", """
        import pathlib, time
        pathlib.Path("loading").write_text("started")
        while not pathlib.Path("go").exists():
            time.sleep(0.01)

        def handler(request):
            return "loaded at last"
        """)
    config = load_config({**base_env, "USER_ENTRY_POINT": "slow_agent.py"})
    app = create_app(config, cwd=agent_dir)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://runtime.test") as client,
    ):
        while not (agent_dir / "loading").exists():  # noqa: ASYNC110 - the child signals through a file
            await asyncio.sleep(0.01)
        loading = await client.get("/readyz")
        invoke = asyncio.create_task(client.post("/invoke", json={"message": "x"}))
        (agent_dir / "go").write_text("")
        answered = await invoke
        ready = await client.get("/readyz")

    assert loading.status_code == 503
    assert loading.json()["detail"] == "USER_ENTRY_POINT 'slow_agent.py' is still loading"
    assert answered.json()["response"] == "loaded at last"  # an invoke during loading waits for it
    assert ready.status_code == 200


async def test_a_handler_exception_is_a_500_problem_with_its_last_frame_and_no_secret(base_env, agent_dir):
    write_module(agent_dir, "raising_agent.py", """
        import os

        def handler(request):
            raise ValueError("cannot handle " + request["message"] + " with " + os.environ["OPENAI_API_KEY"])
        """)

    async with agent_runtime(base_env, agent_dir, "raising_agent.py") as (client, _, _):
        response = await client.post("/invoke", json={"message": "hello"})
        streamed = await client.post("/invoke/stream", json={"message": "hello"})
        again = await client.post("/invoke", json={"message": "again"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Agent code raised an error"
    assert response.json()["detail"] == (
        "ValueError: cannot handle hello with *** (at raising_agent.py, line 5, in handler)")
    assert "agent-token-for-tests" not in response.text + streamed.text
    assert '"type":"error"' in streamed.text and "cannot handle hello" in streamed.text
    assert again.status_code == 500 and "cannot handle again" in again.json()["detail"]  # the process lives on


async def test_a_stream_emits_the_answer_then_done_with_the_calls(base_env, agent_dir, parse_sse):
    write_module(agent_dir, "stream_agent.py", "def handler(request):\n    return 'streamed answer'\n")

    async with agent_runtime(base_env, agent_dir, "stream_agent.py") as (client, _, _):
        response = await client.post("/invoke/stream", json={"message": "hello"})

    events = parse_sse(response.text)
    assert events[0] == {"type": "content", "delta": "streamed answer"}
    assert events[1]["type"] == "done" and events[1]["response"] == "streamed answer"
    assert events[1]["calls"] == {"llm": 0, "tool": 0, "other": 0}
    assert events[2] == "[DONE]"


async def test_turns_run_concurrently_in_the_one_process(base_env, agent_dir):
    write_module(agent_dir, "meeting_agent.py", """
        import asyncio
        arrived = []

        async def handler(request):
            arrived.append(request["message"])
            for _ in range(500):  # a turn run alone would wait for a partner that never comes
                if len(arrived) >= 2:
                    return "together"
                await asyncio.sleep(0.01)
            return "alone"
        """)

    async with agent_runtime(base_env, agent_dir, "meeting_agent.py") as (client, _, _):
        first, second = await asyncio.gather(client.post("/invoke", json={"message": "a"}),
                                             client.post("/invoke", json={"message": "b"}))

    assert (first.json()["response"], second.json()["response"]) == ("together", "together")


async def test_a_turn_the_caller_leaves_is_cancelled_in_the_agents_process(base_env, agent_dir):
    write_module(agent_dir, "hanging_agent.py", """
        import asyncio, pathlib

        async def handler(request):
            pathlib.Path("started").write_text("")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                pathlib.Path("cancelled").write_text("")
                raise
        """)

    async with agent_runtime(base_env, agent_dir, "hanging_agent.py") as (client, app, _):
        turn, pending = await turn_until_started(app.state.agent_process, agent_dir, stream=True)
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await turn.aclose()
        while not (agent_dir / "cancelled").exists():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        after = await client.get("/healthz")

    assert (agent_dir / "cancelled").exists()
    assert after.json()["status"] == "ok"


async def test_when_the_agents_process_dies_invokes_get_503_health_says_why_and_the_server_is_told(
        base_env, agent_dir):
    write_module(agent_dir, "dying_agent.py", """
        import os

        def handler(request):
            if request["message"] == "die":
                os._exit(3)
            return "alive"
        """)

    async with agent_runtime(base_env, agent_dir, "dying_agent.py") as (client, app, exits):
        alive = await client.post("/invoke", json={"message": "hi"})
        died = await client.post("/invoke", json={"message": "die"})
        after = await client.post("/invoke", json={"message": "hi"})
        health = (await client.get("/healthz")).json()
        ready = await client.get("/readyz")
        state = app.state.agent_process.state

    assert alive.json()["response"] == "alive"
    assert died.status_code == 503
    assert died.json()["title"] == "Agent process ended"
    assert "exited with code 3" in died.json()["detail"]
    assert after.status_code == 503
    assert health["status"] == "degraded"
    assert health["user_code"]["loaded"] is False
    assert health["user_code"]["error"] == "the agent's process exited with code 3"
    assert ready.status_code == 503
    assert state is LoadState.ENDED
    assert exits == ["the agent's process exited with code 3"]


async def test_the_invoke_key_never_reaches_the_agents_process(base_env, agent_dir):
    write_module(agent_dir, "key_agent.py", """
        import os

        def handler(request):
            return str(sorted(name for name in os.environ if "INVOKE" in name))
        """)
    env = {"RUNAGENTS_INVOKE_KEY": "the-invoke-key-42"}

    async with agent_runtime(base_env, agent_dir, "key_agent.py", env=env) as (client, _, _):
        response = await client.post("/invoke", json={"message": "x"},
                                     headers={"X-RunAgents-Invoke-Key": "the-invoke-key-42"})

    assert response.status_code == 200, response.text
    assert response.json()["response"] == "[]"


async def test_an_interpreter_that_cannot_start_is_a_load_failure(base_env, agent_dir):
    config = load_config({**base_env, "USER_ENTRY_POINT": "x.py", "AGENT_PYTHON": str(agent_dir / "no-python")})
    process = AgentProcess(EntryEnvironment("x.py"), python=str(config.agent_python), cwd=agent_dir,
                           environ={})
    await process.start()
    await process.stop()

    assert process.state is LoadState.FAILED
    assert "could not start the agent's interpreter" in (process.error or "")


async def test_the_agents_process_leaves_when_the_server_closes_even_with_a_thread_stuck_in_the_agents_code(
        base_env, agent_dir):
    write_module(agent_dir, "stuck_agent.py", """
        import pathlib, time

        def handler(request):
            pathlib.Path("started").write_text("")
            time.sleep(3600)
        """)

    async with agent_runtime(base_env, agent_dir, "stuck_agent.py") as (_, app, exits):
        process: AgentProcess = app.state.agent_process
        _, pending = await turn_until_started(process, agent_dir, stream=False)
        await process.stop()
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)

    assert process._process is not None
    assert process._process.returncode == 0  # it left by itself: neither SIGTERM nor SIGKILL was needed
    assert exits == []  # stopping it is no death
