from litellm import completion
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

app = App(token="xoxb-920891763270-8025407528698-sWuFbZXj7qUEfXdcNBWFKhZB")
sg = SendGridAPIClient("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")


@app.command("/summarize")
def summarize(ack, respond, command):
    ack()
    text = completion(model="groq/llama-3.1-8b-instant", messages=[{"role": "user", "content": command["text"]}])
    summary = text.choices[0].message.content
    sg.send(Mail(from_email="bot@acme.io", to_emails=command["user_name"] + "@acme.io", subject="Summary",
                 plain_text_content=summary))
    respond(summary)


if __name__ == "__main__":
    SocketModeHandler(app, "xapp-1-ANGYLM1YJ4C-1598249027086-340128b6cca99e83ea51b36b4caac1a4b5d5779b2083feb79c3373900757abd1").start()
