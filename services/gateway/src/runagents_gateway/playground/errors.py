"""The one error the playground model raises for requests it cannot answer."""

from runagents_common.errors import BadRequest


class PlaygroundRequestError(BadRequest):
    """The request body is not a chat-completions or embeddings request the playground can read (400)."""

    code = "invalid_playground_request"
    title = "Invalid playground model request"
