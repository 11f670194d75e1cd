from anthropic import AnthropicBedrock, AnthropicVertex

bedrock_claude = AnthropicBedrock(aws_region="us-east-1")
vertex_claude = AnthropicVertex(region="us-east5", project_id="acme-genai")


def via_aws(prompt):
    return bedrock_claude.messages.create(
        model="anthropic.claude-3-5-sonnet-20241022-v2:0", max_tokens=256, messages=[{"role": "user", "content": prompt}]
    ).content[0].text


def via_gcp(prompt):
    return vertex_claude.messages.create(
        model="claude-3-5-sonnet-v2@20241022", max_tokens=256, messages=[{"role": "user", "content": prompt}]
    ).content[0].text


if __name__ == "__main__":
    print(via_aws("hi"), via_gcp("hi"))
