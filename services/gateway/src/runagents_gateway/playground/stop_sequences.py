"""The `stop` parameter: up to where a text reply is returned."""

from typing import Any

from runagents_gateway.playground.errors import PlaygroundRequestError


def stop_sequences(raw_stop: Any) -> tuple[str, ...]:
    """The request's stop sequences: a string, a list of strings, or none."""
    if raw_stop is None:
        return ()
    if isinstance(raw_stop, str):
        return (raw_stop,) if raw_stop else ()
    if isinstance(raw_stop, list) and all(isinstance(item, str) for item in raw_stop):
        return tuple(item for item in raw_stop if item)
    raise PlaygroundRequestError("'stop' must be a string or a list of strings")


def cut_at_stop(text: str, stops: tuple[str, ...]) -> str:
    """`text` up to (not including) the first stop sequence in it, as a real model stops there."""
    cuts = [index for index in (text.find(stop) for stop in stops) if index >= 0]
    return text[: min(cuts)] if cuts else text
