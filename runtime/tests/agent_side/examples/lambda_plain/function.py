"""A Lambda function invoked directly (not behind API Gateway): the event is the payload itself."""

import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"answer": event["message"].upper()})}
