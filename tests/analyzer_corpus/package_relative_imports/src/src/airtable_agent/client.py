import httpx

from .settings import AIRTABLE_BASE_URL

_client = httpx.Client(base_url=AIRTABLE_BASE_URL, timeout=30)


def list_records(base_id: str, table: str) -> list[dict]:
    return _client.get(f"/{base_id}/{table}").json()["records"]


def update_record(base_id: str, table: str, record_id: str, fields: dict) -> dict:
    return _client.patch(f"/{base_id}/{table}/{record_id}", json={"fields": fields}).json()
