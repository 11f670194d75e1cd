"""The starter kit's model provider: the offline playground model, so Hello World needs no key."""

from runagents_gateway.playground import PLAYGROUND_CHAT_MODEL, PLAYGROUND_EMBEDDING_MODEL
from runagents_gateway.providers.schemas import ProviderIn, ServedModel

PLAYGROUND_PROVIDER = "playground"


def playground_provider() -> ProviderIn:
    return ProviderIn(
        name=PLAYGROUND_PROVIDER,
        kind="playground",
        models=[
            ServedModel(name=PLAYGROUND_CHAT_MODEL, role="chat"),
            ServedModel(name=PLAYGROUND_EMBEDDING_MODEL, role="embedding"),
        ],
    )
