import json
import os

import boto3
import requests

bedrock = boto3.client(service_name="bedrock-runtime", region_name=os.environ.get("AWS_REGION", "us-west-2"))
SLACK_BOT_TOKEN = "xoxb-920891763270-8025407528698-sWuFbZXj7qUEfXdcNBWFKhZB"
MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0"


def summarize(text):
    body = json.dumps({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 400,
        "messages": [{"role": "user", "content": f"Summarize for an on-call engineer: {text}"}],
    })
    response = bedrock.invoke_model(modelId=MODEL_ID, body=body)
    return json.loads(response["body"].read())["content"][0]["text"]


def lambda_handler(event, context):
    alarm = json.loads(event["Records"][0]["Sns"]["Message"])
    summary = summarize(json.dumps(alarm))
    requests.post(
        "https://slack.com/api/chat.postMessage",
        headers={"Authorization": f"Bearer {SLACK_BOT_TOKEN}"},
        json={"channel": "#oncall", "text": summary},
        timeout=5,
    )
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
