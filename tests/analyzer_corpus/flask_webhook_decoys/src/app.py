import logging
import os
import webbrowser

import requests
from flask import Flask, abort, jsonify, request
from openai import OpenAI as OAI

app = Flask(__name__)
log = logging.getLogger(__name__)
llm = OAI()
DOCS_URL = "https://docs.github.com/en/webhooks"
DISCORD_WEBHOOK = os.environ["DISCORD_WEBHOOK_URL"]


@app.route("/webhook", methods=["POST"])
def webhook():
    event = request.get_json()
    if not event:
        log.warning("empty payload, see %s", DOCS_URL)
        abort(400, description=f"Invalid payload; docs at {DOCS_URL}")
    summary = llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"Summarize this GitHub event: {event}"}],
    ).choices[0].message.content
    requests.post(DISCORD_WEBHOOK, json={"content": summary})
    return jsonify(ok=True, help="https://support.discord.com/hc/en-us/articles/228383668")


if __name__ == "__main__":
    if os.environ.get("OPEN_BROWSER"):
        webbrowser.open("http://127.0.0.1:5000/")
    app.run(debug=True)
