"""LangGraph's functional API: @entrypoint makes the function a graph."""

from langgraph.func import entrypoint


@entrypoint()
async def workflow(inputs: dict) -> dict:
    return {"answer": f"functional: {inputs['messages'][-1]['content']}"}
