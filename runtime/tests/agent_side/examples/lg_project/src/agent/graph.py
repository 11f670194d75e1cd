from langgraph.graph import StateGraph

from .state import State


def answer(state: State) -> dict:
    return {"answer": f"graph answered: {state['question']}"}


def make_graph(config):
    builder = StateGraph(State)
    builder.add_node("answer", answer)
    builder.set_entry_point("answer")
    builder.set_finish_point("answer")
    return builder.compile()
