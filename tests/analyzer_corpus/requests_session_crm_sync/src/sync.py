import logging
import os

import requests

log = logging.getLogger(__name__)

HUBSPOT_BASE = "https://api.hubapi.com"
CONTACTS_PATH = "/crm/v3/objects/contacts"
PIPEDRIVE = os.environ.get("PIPEDRIVE_URL", "https://api.pipedrive.com/v1")

session = requests.Session()
session.headers.update({"Authorization": f"Bearer {os.environ['HUBSPOT_TOKEN']}"})


def fetch_contacts(after=None):
    params = {"limit": 100, "after": after} if after else {"limit": 100}
    resp = session.get(HUBSPOT_BASE + CONTACTS_PATH, params=params)
    resp.raise_for_status()
    return resp.json()


def push_person(contact):
    log.info("pushing %s to https://api.pipedrive.com/v1/persons", contact["id"])
    return requests.post(
        f"{PIPEDRIVE}/persons",
        params={"api_token": os.environ["PIPEDRIVE_TOKEN"]},
        json={"name": contact["properties"]["firstname"]},
    )


def delete_person(person_id):
    return requests.delete(f"{PIPEDRIVE}/persons/{person_id}", params={"api_token": os.environ["PIPEDRIVE_TOKEN"]})


if __name__ == "__main__":
    for c in fetch_contacts()["results"]:
        push_person(c)
