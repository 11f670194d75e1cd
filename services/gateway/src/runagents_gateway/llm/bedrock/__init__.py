"""Amazon Bedrock's Converse API (provider kind ``bedrock``), called with a Bedrock API key and
translated from and to chat completions."""
