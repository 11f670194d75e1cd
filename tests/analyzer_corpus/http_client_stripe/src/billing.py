import http.client
import json
from urllib.parse import urlencode

STRIPE_SECRET_KEY = "sk_live_TIXQZ7L8l8K5mzRD2hxjg4mW"


def create_customer(email):
    conn = http.client.HTTPSConnection("api.stripe.com", timeout=30)
    body = urlencode({"email": email})
    headers = {"Authorization": f"Bearer {STRIPE_SECRET_KEY}", "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/v1/customers", body, headers)
    return json.loads(conn.getresponse().read())


def list_charges(limit=10):
    conn = http.client.HTTPSConnection("api.stripe.com")
    conn.request("GET", f"/v1/charges?limit={limit}", headers={"Authorization": f"Bearer {STRIPE_SECRET_KEY}"})
    return json.loads(conn.getresponse().read())["data"]


if __name__ == "__main__":
    print(create_customer("jane@customer.io"))
