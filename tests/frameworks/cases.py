"""The framework agents under tests/frameworks/agents/ and what the platform should find in each."""

from dataclasses import dataclass
from pathlib import Path

AGENTS_DIR = Path(__file__).parent / "agents"
OFFLINE_PROVIDER = "offline-openai"


@dataclass(frozen=True)
class FrameworkAgent:
    key: str
    """Folder under agents/, and the test id."""
    tier_reason: str
    """What the analysis names as the reason the agent is custom code (Tier 2)."""
    entry_reason: str
    """How the analysis says the runtime will call into agent.py."""
    model: str
    """The OpenAI model the agent's code asks for."""
    adapter: str | None = None
    """The adapter the analysis names (runagents_contracts.entry.EntryAdapter) and the runtime uses."""
    target: str | None = None
    """The module-level name the runtime calls."""
    entry_file: str = "agent.py"

    @property
    def folder(self) -> Path:
        return AGENTS_DIR / self.key

    def files(self) -> dict[str, bytes]:
        """The upload: every file under the agent's folder, by its path relative to it."""
        return {path.relative_to(self.folder).as_posix(): path.read_bytes()
                for path in sorted(self.folder.rglob("*"))
                if path.is_file() and "__pycache__" not in path.parts}


@dataclass(frozen=True)
class RefusedAgent:
    """An upload whose entry cannot take the user's message: the analysis says so, and why."""

    key: str
    entry_file: str
    refusal: str
    """Words the refusal holds."""
    handler_lines: str
    """The handler() the refusal shows, made of the code's own lines."""

    @property
    def folder(self) -> Path:
        return AGENTS_DIR / self.key


FRAMEWORK_AGENTS = (
    FrameworkAgent("langchain_executor", "AgentExecutor (LangChain)", "module-level `executor` object",
                   "gpt-4o-mini", "langchain", "executor"),
    FrameworkAgent("langgraph_graph", "StateGraph (LangGraph)", "module-level `graph` object", "gpt-4o-mini",
                   "langgraph", "graph"),
    FrameworkAgent("crewai_crew", "imports crewai (CrewAI)", "module-level `crew` object", "gpt-4o-mini",
                   "crewai", "crew"),
    FrameworkAgent("openai_agents_sdk", "def handler()", "def handler()", "gpt-4.1-mini", "handler", "handler"),
    # Written in each framework's documented style, without a handler (issue 14).
    FrameworkAgent("openai_agents_module", "OpenAI Agents SDK", "module-level `echo_agent` object", "gpt-4.1-mini",
                   "openai-agents", "echo_agent"),
    FrameworkAgent("langgraph_async_context", "LangGraph", "module-level `graph` object", "gpt-4o-mini",
                   "langgraph", "graph"),
    FrameworkAgent("langgraph_project", "LangGraph", 'graph "agent" in langgraph.json', "gpt-4o-mini",
                   "langgraph", "graph", "src/agent/graph.py"),
    FrameworkAgent("langchain_create_agent", "LangChain", "module-level `agent` object", "gpt-4o-mini",
                   "langgraph", "agent"),
    FrameworkAgent("crewai_project", "CrewAI", "@CrewBase class `EchoCrew`, inputs {request} from its config",
                   "gpt-4o-mini", "crewai", "EchoCrew", "src/echo_crew/crew.py"),
    FrameworkAgent("lambda_handler", "lambda_handler", "def lambda_handler()", "gpt-4o-mini", "lambda",
                   "lambda_handler", "lambda_function.py"),
)

REFUSED_AGENTS = (
    RefusedAgent("refused_main_no_params", "agent.py", "main() in agent.py takes no parameter",
                 "async def handler(request):\n"
                 "    agent = Agent(name='Assistant', instructions='You only respond in haikus.', "
                 "model='gpt-4.1-mini')\n"
                 "    result = await Runner.run(agent, request['message'])\n"
                 "    return result.final_output"),
    RefusedAgent("refused_streamlit", "app.py", "app.py is a Streamlit app",
                 "def handler(request):\n    reply = client.chat.completions.create(model='gpt-4o-mini', "
                 "messages=[{'role': 'user', 'content': request['message']}])\n    return reply"),
)
