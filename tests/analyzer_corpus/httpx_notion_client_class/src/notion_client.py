import httpx


class NotionClient:
    BASE_URL = "https://api.notion.com/v1"
    NOTION_VERSION = "2022-06-28"

    def __init__(self, token: str):
        self._http = httpx.Client(
            base_url=self.BASE_URL,
            headers={"Authorization": f"Bearer {token}", "Notion-Version": self.NOTION_VERSION},
        )

    def query_database(self, database_id: str) -> dict:
        return self._http.post(f"/databases/{database_id}/query", json={}).json()

    def create_page(self, database_id: str, title: str) -> dict:
        body = {"parent": {"database_id": database_id},
                "properties": {"Name": {"title": [{"text": {"content": title}}]}}}
        return self._http.post("/pages", json=body).json()

    def archive_page(self, page_id: str) -> dict:
        return self._http.patch(f"/pages/{page_id}", json={"archived": True}).json()
