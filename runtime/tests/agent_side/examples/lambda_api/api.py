import json


def lambda_handler(event, context):
    if event["httpMethod"] != "POST":
        return {"statusCode": 405, "body": "method not allowed"}
    message = json.loads(event["body"])["message"]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"reply": f"lambda got: {message}", "request": context.aws_request_id != ""})}
