import argparse

import requests
from openai import OpenAI


def parse_args():
    parser = argparse.ArgumentParser(description="Ask questions about a Confluence space.")
    parser.add_argument("question")
    parser.add_argument("--model", default="gpt-4o-mini", help="OpenAI model to use")
    parser.add_argument("--wiki", default="https://acme.atlassian.net/wiki", help="Confluence base URL")
    return parser.parse_args()


def main():
    args = parse_args()
    pages = requests.get(f"{args.wiki}/rest/api/content/search", params={"cql": f'text ~ "{args.question}"'}).json()
    client = OpenAI()
    reply = client.chat.completions.create(
        model=args.model,
        messages=[{"role": "system", "content": str(pages)}, {"role": "user", "content": args.question}],
    )
    print(reply.choices[0].message.content)


if __name__ == "__main__":
    main()
