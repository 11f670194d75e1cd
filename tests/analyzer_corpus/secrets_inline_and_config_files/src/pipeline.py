import hashlib

import psycopg
import requests
from openai import OpenAI

client = OpenAI(api_key="sk-proj-RtJsjy0HntYhjVZxF23WRLfLD0YIdi6fOPX7KUuaaoFewMuU")
DATABASE_URL = "postgresql://etl_user:Vq8mZ2pLw9xR4tN7@db.internal.acme.io:5432/warehouse"
EXPECTED_SHA256 = "9b74c9897bac770ffc029102a200c5de3b2c3a5f1bd6c2c1e5b7e21c0e6d35f2"
TENANT_ID = "3f2b8c1e-7d4a-4b9e-a1c2-5e6f7a8b9c0d"
PASSWORD_FIELD = "password"


def fetch_rates():
    r = requests.get(
        "https://api.currencyapi.com/v3/latest",
        headers={"apikey": "cur_live_retNgaVF9SR5Xa7YMjK1vZlvimR4c3gw"},
    )
    return r.json()


def checksum_ok(blob: bytes) -> bool:
    return hashlib.sha256(blob).hexdigest() == EXPECTED_SHA256


def load(rows):
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("INSERT INTO rates VALUES (%s)", rows)


if __name__ == "__main__":
    rates = fetch_rates()
    summary = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": str(rates)}]
    )
    load([summary.choices[0].message.content])
