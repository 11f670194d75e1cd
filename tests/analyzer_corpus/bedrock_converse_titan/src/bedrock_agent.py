import json

import boto3

session = boto3.Session(region_name="us-east-1")
bedrock = boto3.client(
    "bedrock-runtime",
    region_name="us-east-1",
    aws_access_key_id="AKIA96ZP6QI786BO7ERD",
    aws_secret_access_key="8OQyAZvV259HHqOdK1dTUDViZzG+2WX6OPxmXkjS",
)

CHAT_MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
EMBED_MODEL_ID = "amazon.titan-embed-text-v2:0"


def embed(text):
    response = bedrock.invoke_model(modelId=EMBED_MODEL_ID, body=json.dumps({"inputText": text}))
    return json.loads(response["body"].read())["embedding"]


def chat(prompt):
    response = bedrock.converse(
        modelId=CHAT_MODEL_ID,
        messages=[{"role": "user", "content": [{"text": prompt}]}],
        inferenceConfig={"maxTokens": 512},
    )
    return response["output"]["message"]["content"][0]["text"]


if __name__ == "__main__":
    print(len(embed("hello")))
    print(chat("Name three AWS regions."))
