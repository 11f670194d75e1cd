import sys

from openai import OpenAI

from .client import list_records, update_record


def main() -> None:
    base, table = sys.argv[1:3]
    client = OpenAI()
    for record in list_records(base, table):
        tag = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"One-word category for {record['fields']}"}]
        ).choices[0].message.content
        update_record(base, table, record["id"], {"Category": tag})


if __name__ == "__main__":
    main()
