import os

from anthropic import Anthropic
from dotenv import load_dotenv

load_dotenv()

claude = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])

if __name__ == "__main__":
    reply = claude.messages.create(
        model="claude-3-opus-20240229",
        max_tokens=64,
        messages=[{"role": "user", "content": "ping"}],
    )
    print(reply.content[0].text)
