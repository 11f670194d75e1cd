from anthropic import Anthropic

_client = Anthropic()


def ask_claude(prompt, model="claude-3-5-haiku-20241022", max_tokens=512):
    msg = _client.messages.create(
        model=model, max_tokens=max_tokens, messages=[{"role": "user", "content": prompt}]
    )
    return msg.content[0].text
