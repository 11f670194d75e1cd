import httpx
from langchain.chat_models import init_chat_model
from langchain_core.messages import HumanMessage, SystemMessage

SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/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"

model = init_chat_model("claude-3-5-sonnet-latest", model_provider="anthropic", temperature=0)


def notify(text: str) -> None:
    httpx.post(SLACK_WEBHOOK_URL, json={"text": text})


def main() -> None:
    msg = model.invoke([SystemMessage("Write a one-line release note."), HumanMessage("v2.1 adds CSV export")])
    notify(msg.content)


if __name__ == "__main__":
    main()
