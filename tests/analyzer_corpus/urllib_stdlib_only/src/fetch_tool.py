import json
import os
import urllib.parse
import urllib.request

API = "https://api.pushover.net/1/messages.json"


def send_push(message: str) -> int:
    data = urllib.parse.urlencode(
        {"token": os.environ["PUSHOVER_TOKEN"], "user": os.environ["PUSHOVER_USER"], "message": message}
    ).encode()
    req = urllib.request.Request(API, data=data, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def get_ip() -> str:
    with urllib.request.urlopen("https://api.ipify.org?format=json") as resp:
        return json.load(resp)["ip"]


def main():
    send_push(f"Server IP is {get_ip()}")


if __name__ == "__main__":
    main()
