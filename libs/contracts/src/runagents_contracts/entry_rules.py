"""The discovery rules the analyzer (reading the source) and the runtime (looking at the loaded
objects) both follow to choose the entry and its adapter: one table, in priority order.

How a rule matches:
- a module-level function whose name is in `function_names` (and, when `first_parameters` is set,
  whose first parameter is named one of them: a Lambda handler is `handler(event, context)`);
- a module-level object whose class, or a base class of it, is named in `class_names` and is
  defined under one of `import_roots` (dotted package prefixes: `agents`, `google.adk`);
- a module-level object made by a function in `factory_names`, written `<import root>.<name>`
  (`langgraph.create_react_agent` matches `langgraph.prebuilt.create_react_agent`, and
  `langgraph.StateGraph.compile` matches `StateGraph(...).compile()`);
- a class of the upload decorated with one of `class_decorators` (CrewAI's @CrewBase);
- a module-level name in `object_names` (Google ADK's `root_agent`), which wins over the other
  objects of its framework.
Among several objects of the same module, one that wraps another (an AgentExecutor around an
agent, a triage Agent with handoffs) is the entry.
"""

from pydantic import BaseModel, ConfigDict

from runagents_contracts.entry import EntryAdapter


class EntryRule(BaseModel):
    """How an adapter's entry is recognised: by a function's name, or by the framework class of a
    module-level object (or the factory function that makes one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    adapter: EntryAdapter
    function_names: tuple[str, ...] = ()
    """Module-level functions this adapter calls (handler, lambda_handler, main)."""
    first_parameters: tuple[str, ...] = ()
    """When set, a function of `function_names` matches only when its first parameter has one of these names."""
    import_roots: tuple[str, ...] = ()
    """Top-level packages of the framework (`agents`, `langgraph`), as dotted prefixes of modules."""
    class_names: tuple[str, ...] = ()
    """Classes (or constructors) whose instances are this framework's runnable agent."""
    factory_names: tuple[str, ...] = ()
    """Functions of the framework that return such an object, as `<import root>.<name>`."""
    class_decorators: tuple[str, ...] = ()
    """Decorators that make a class of the upload this framework's entry (instantiated by the runtime)."""
    object_names: tuple[str, ...] = ()
    """Module-level names the framework's own runner looks for, preferred among its objects."""


LAMBDA_PARAMETERS = ("event", "evt", "_event")
ARGV_NAMES = frozenset({"argv", "args", "arguments", "cli_args", "sys_argv", "raw_args"})
"""The first parameter of a command line's main(argv=None): it takes arguments, not the user's message.
The runtime's main adapter (agent_side/adapters/main_function.py, standard library only) keeps a copy;
tests/test_entry_rules_sides.py holds the two equal."""

ENTRY_RULES: tuple[EntryRule, ...] = (
    # handler(event, context) is written for AWS Lambda; handler(request[, context]) is the platform's.
    EntryRule(adapter=EntryAdapter.LAMBDA, function_names=("handler",), first_parameters=LAMBDA_PARAMETERS),
    EntryRule(adapter=EntryAdapter.HANDLER, function_names=("handler",)),
    EntryRule(adapter=EntryAdapter.LAMBDA, function_names=("lambda_handler",)),
    EntryRule(adapter=EntryAdapter.OPENAI_AGENTS, import_roots=("agents",), class_names=("Agent",)),
    # Before LangChain: a compiled graph is a LangChain Runnable too. LangChain 1.x's create_agent
    # builds a LangGraph graph, so the graph's adapter runs it.
    EntryRule(
        adapter=EntryAdapter.LANGGRAPH,
        import_roots=("langgraph",),
        class_names=("CompiledStateGraph", "CompiledGraph", "Pregel"),
        factory_names=("langgraph.create_react_agent", "langgraph.StateGraph.compile", "langgraph.Graph.compile",
                       "langgraph.MessageGraph.compile", "langgraph.entrypoint", "langchain.create_agent"),
    ),
    EntryRule(
        adapter=EntryAdapter.LANGCHAIN,
        import_roots=("langchain", "langchain_core", "langchain_classic"),
        class_names=("AgentExecutor", "Chain", "RunnableSequence", "Runnable"),
        factory_names=("langchain.initialize_agent", "langchain_classic.initialize_agent"),
    ),
    EntryRule(adapter=EntryAdapter.CREWAI, import_roots=("crewai",), class_names=("Crew",),
              class_decorators=("CrewBase",)),
    EntryRule(
        adapter=EntryAdapter.LLAMAINDEX,
        import_roots=("llama_index", "workflows"),
        class_names=("AgentWorkflow", "FunctionAgent", "ReActAgent", "CodeActAgent", "BaseWorkflowAgent",
                     "Workflow"),
    ),
    EntryRule(adapter=EntryAdapter.PYDANTIC_AI, import_roots=("pydantic_ai",), class_names=("Agent", "AbstractAgent")),
    EntryRule(adapter=EntryAdapter.SMOLAGENTS, import_roots=("smolagents",),
              class_names=("CodeAgent", "ToolCallingAgent", "MultiStepAgent")),
    EntryRule(
        adapter=EntryAdapter.AUTOGEN,
        import_roots=("autogen_agentchat",),
        class_names=("AssistantAgent", "RoundRobinGroupChat", "SelectorGroupChat", "Swarm", "MagenticOneGroupChat",
                     "BaseChatAgent", "BaseGroupChat"),
    ),
    EntryRule(adapter=EntryAdapter.AGNO, import_roots=("agno",), class_names=("Agent", "Team")),
    EntryRule(
        adapter=EntryAdapter.GOOGLE_ADK,
        import_roots=("google.adk",),
        class_names=("Agent", "LlmAgent", "SequentialAgent", "ParallelAgent", "LoopAgent", "BaseAgent"),
        object_names=("root_agent",),
    ),
    EntryRule(adapter=EntryAdapter.MAIN, function_names=("main",)),
)
"""Priority order: the first rule a module-level name matches decides its adapter, and the entry is
the match of the earliest rule (a wrapper of another object of the same framework first)."""


def rules_as_json() -> list[dict[str, object]]:
    """The table as the runtime's agent side receives it (JSON, no pydantic there)."""
    return [rule.model_dump(mode="json") for rule in ENTRY_RULES]
