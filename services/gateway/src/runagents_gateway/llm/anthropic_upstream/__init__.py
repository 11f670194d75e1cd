"""Providers of kind ``anthropic``: a chat-completions request answered by Anthropic's Messages API
(``POST {base_url}/v1/messages``), the answer translated back, whole or event by event."""
