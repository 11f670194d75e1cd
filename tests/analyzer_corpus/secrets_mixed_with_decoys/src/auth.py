import requests

from settings import Settings


def access_token(client_id, client_secret):
    response = requests.post(
        Settings().token_url,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
    )
    token = response.json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
