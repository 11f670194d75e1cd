import time

import jwt
import requests

from credentials import PRIVATE_KEY, SERVICE_ACCOUNT_EMAIL, TOKEN_URI

SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
SHEET_ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


def access_token():
    now = int(time.time())
    claims = {"iss": SERVICE_ACCOUNT_EMAIL, "scope": SCOPE, "aud": TOKEN_URI, "iat": now, "exp": now + 3600}
    assertion = jwt.encode(claims, PRIVATE_KEY, algorithm="RS256")
    r = requests.post(TOKEN_URI, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                       "assertion": assertion})
    return r.json()["access_token"]


def read_range(cell_range="Sheet1!A1:D20"):
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}/values/{cell_range}"
    return requests.get(url, headers={"Authorization": f"Bearer {access_token()}"}).json()


if __name__ == "__main__":
    print(read_range())
