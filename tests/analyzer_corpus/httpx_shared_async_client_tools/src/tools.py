import os

import httpx
from langchain_core.tools import tool

TRELLO = httpx.AsyncClient(
    base_url="https://api.trello.com/1",
    params={"key": os.environ["TRELLO_KEY"], "token": os.environ["TRELLO_TOKEN"]},
)


@tool
async def list_cards(list_id: str) -> list[str]:
    """Card names on a Trello list."""
    resp = await TRELLO.get(f"/lists/{list_id}/cards")
    return [card["name"] for card in resp.json()]


@tool
async def create_card(list_id: str, name: str) -> str:
    """Create a card."""
    resp = await TRELLO.post("/cards", params={"idList": list_id, "name": name})
    return resp.json()["id"]


@tool
async def archive_card(card_id: str) -> bool:
    """Archive a card."""
    resp = await TRELLO.put(f"/cards/{card_id}", params={"closed": "true"})
    return resp.is_success
