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

    @property
    def folder(self) -> Path:
        return AGENTS_DIR / self.key

    def files(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(self.folder.iterdir()) if path.is_file()}


FRAMEWORK_AGENTS = (
    FrameworkAgent("langchain_executor", "AgentExecutor (LangChain)", "module-level `executor` object",
                   "gpt-4o-mini"),
    FrameworkAgent("langgraph_graph", "StateGraph (LangGraph)", "module-level `graph` object", "gpt-4o-mini"),
    FrameworkAgent("crewai_crew", "imports crewai (CrewAI)", "module-level `crew` object", "gpt-4o-mini"),
    FrameworkAgent("openai_agents_sdk", "def handler()", "def handler()", "gpt-4.1-mini"),
)
