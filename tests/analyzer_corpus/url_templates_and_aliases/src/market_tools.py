import os
import urllib.request as ur

import requests as r
from httpx import Client
from requests import Session

POLYGON_PREV = "https://api.polygon.io/v2/aggs/ticker/{ticker}/prev"
APOD = "https://api.nasa.gov/planetary/apod?api_key=%s"
NEWS_BASE = "https://newsapi.org/v2"


def previous_close(ticker):
    return r.get(POLYGON_PREV.format(ticker=ticker), params={"apiKey": os.environ["POLYGON_KEY"]}).json()


def picture_of_the_day():
    return r.get(url=APOD % os.environ.get("NASA_KEY", "DEMO_KEY")).json()


def headlines(country="us"):
    with Client() as http:
        return http.get(NEWS_BASE + "/top-headlines", params={"country": country}).json()


def post_summary(text):
    s = Session()
    return s.post("https://api.pastebin.com/api/api_post.php", data={"api_paste_code": text})


def ping():
    return ur.urlopen("https://status.polygon.io").status


if __name__ == "__main__":
    print(previous_close("AAPL"), headlines())
