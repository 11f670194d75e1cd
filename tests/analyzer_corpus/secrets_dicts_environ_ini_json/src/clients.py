import requests

GH_HEADERS = {"Authorization": "token ghp_opyVmSFFOVrRzMBUb9UgCZPB6eIeNK1UJP8d", "Accept": "application/vnd.github+json"}


class Weather:
    def __init__(self, api_key="retNgaVF9SR5Xa7YMjK1vZlvimR4c3gw"):
        self.api_key = api_key

    def today(self, city):
        return requests.get(
            "http://api.weatherstack.com/current", params={"access_key": self.api_key, "query": city}
        ).json()


def my_repos():
    return requests.get("https://api.github.com/user/repos", headers=GH_HEADERS).json()
