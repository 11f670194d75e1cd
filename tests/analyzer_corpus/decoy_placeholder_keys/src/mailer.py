import requests
from google_auth_oauthlib.flow import InstalledAppFlow

from settings import SCOPES, SUPPORT_EMAIL


def authorize():
    flow = InstalledAppFlow.from_client_secrets_file("credentials.json", scopes=SCOPES)
    return flow.run_local_server(port=8080)


def send(creds, to, subject):
    message = {"raw": f"To: {to}\nFrom: {SUPPORT_EMAIL}\nSubject: {subject}"}
    return requests.post(
        "https://gmail.googleapis.com/gmail/v1/users/me/messages/send",
        headers={"Authorization": f"Bearer {creds.token}"},
        json=message,
    )


if __name__ == "__main__":
    send(authorize(), "ops@supportdesk.io", "Daily digest")
