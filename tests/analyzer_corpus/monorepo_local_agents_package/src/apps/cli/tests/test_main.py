from agents import Agent


def test_agent_has_default_model():
    assert Agent().model.startswith("claude")
