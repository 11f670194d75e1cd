"""The agent-side tests' shared model: one unscripted FakeOpenAI for the whole session."""

from collections.abc import Iterator

import pytest

from runtime.tests.agent_side.fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def fake_model() -> Iterator[FakeOpenAI]:
    """A model that calls the first tool offered with the user's message, then says what the tool said."""
    with FakeOpenAI() as model:
        yield model
