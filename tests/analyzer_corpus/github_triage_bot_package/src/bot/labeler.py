from openai import OpenAI

from bot.config import LABEL_MODEL

_client = OpenAI()


def pick_labels(title, body):
    result = _client.chat.completions.create(
        model=LABEL_MODEL,
        messages=[{"role": "user", "content": f"Labels for: {title}\n{body}. Answer comma-separated."}],
    )
    return [label.strip() for label in result.choices[0].message.content.split(",")]
