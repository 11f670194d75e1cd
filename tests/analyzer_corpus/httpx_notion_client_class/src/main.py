import os

from notion_client import NotionClient

NOTION_TOKEN = "secret_retNgaVF9SR5Xa7YMjK1vZlvimR4c3gw"


def main():
    client = NotionClient(os.environ.get("NOTION_TOKEN", NOTION_TOKEN))
    rows = client.query_database(os.environ["NOTION_DB"])
    print(len(rows["results"]))


if __name__ == "__main__":
    main()
