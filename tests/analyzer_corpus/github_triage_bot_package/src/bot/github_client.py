import requests


class GitHubClient:
    api_root = "https://api.github.com"

    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def issues(self, repo):
        return self.session.get(f"{self.api_root}/repos/{repo}/issues").json()

    def add_labels(self, repo, number, labels):
        url = f"{self.api_root}/repos/{repo}/issues/{number}/labels"
        return self.session.post(url, json={"labels": labels})
