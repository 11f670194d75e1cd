import json
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

TODOIST_API = "https://api.todoist.com/rest/v2/"

session = requests.Session()
session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))


def api(method: str, path: str, **kwargs):
    response = session.request(method, urljoin(TODOIST_API, path), timeout=10, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def list_tasks():
    return api("GET", "tasks")


def add_task(content):
    return api("POST", "tasks", data=json.dumps({"content": content}))


def close_task(task_id):
    return api("POST", f"tasks/{task_id}/close")


if __name__ == "__main__":
    add_task("Write the quarterly report")
    print(list_tasks())
