"""What Anthropic's Messages API and chat completions call by different names, both ways, in one
place: the Messages endpoint (llm/anthropic/) translates one way, the anthropic provider kind
(llm/anthropic_upstream/) the other."""

import re
from typing import Any

from runagents_gateway.llm.chat import count_of, object_of

FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
"""Chat ``finish_reason`` -> Anthropic ``stop_reason``."""

STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    # The server paused a long turn of its own tools; the text so far is a whole answer.
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
"""Anthropic ``stop_reason`` -> chat ``finish_reason`` (the reverse of FINISH_REASONS, and the reasons
chat completions has no name of its own for)."""

TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
"""Anthropic ``tool_choice.type`` -> chat ``tool_choice`` (``tool`` names one, as chat's ``function`` does)."""

_DATA_URL = re.compile(r"^data:(?P<media_type>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)


def anthropic_usage(chat_usage: Any) -> dict[str, int]:
    """Anthropic counts cached prompt tokens apart from ``input_tokens``; chat completions within them."""
    chat_usage = object_of(chat_usage)
    prompt, completion = count_of(chat_usage.get("prompt_tokens")), count_of(chat_usage.get("completion_tokens"))
    cached = min(count_of(object_of(chat_usage.get("prompt_tokens_details")).get("cached_tokens")), prompt)
    return {"input_tokens": prompt - cached, "output_tokens": completion, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cached}


def chat_usage(anthropic_usage: Any) -> dict[str, Any]:
    """Chat completions' usage for Anthropic's: every prompt token counts, read from the cache, written
    to it or neither; the cache reads are ``prompt_tokens_details.cached_tokens``."""
    usage = object_of(anthropic_usage)
    cache_read = count_of(usage.get("cache_read_input_tokens"))
    prompt = count_of(usage.get("input_tokens")) + cache_read + count_of(usage.get("cache_creation_input_tokens"))
    completion = count_of(usage.get("output_tokens"))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cache_read}}


def image_url_of(source: Any) -> str | None:
    """The chat ``image_url.url`` for an Anthropic image ``source`` (base64 or url), or None."""
    source = object_of(source)
    if source.get("type") == "base64":
        media_type, data = source.get("media_type"), source.get("data")
        if isinstance(media_type, str) and isinstance(data, str):
            return f"data:{media_type};base64,{data}"
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return str(source["url"])
    return None


def image_source_of(url: str) -> dict[str, str] | None:
    """The Anthropic image ``source`` for a chat ``image_url.url`` (a base64 data: URL or an http(s) URL), or None."""
    if (data_url := _DATA_URL.match(url)) is not None:
        return {"type": "base64", "media_type": data_url["media_type"], "data": data_url["data"]}
    if url.startswith(("https://", "http://")):
        return {"type": "url", "url": url}
    return None
