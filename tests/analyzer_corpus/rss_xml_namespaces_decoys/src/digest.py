import json
import xml.etree.ElementTree as ET

import httpx
from anthropic import Anthropic

FEED = "https://feeds.arstechnica.com/arstechnica/index"
NS = {"media": "http://search.yahoo.com/mrss/", "dc": "http://purl.org/dc/elements/1.1/"}
JSON_LD_CONTEXT = "https://schema.org"

claude = Anthropic()


def items():
    root = ET.fromstring(httpx.get(FEED, follow_redirects=True).text)
    for item in root.iter("item"):
        creator = item.find("dc:creator", NS)
        thumb = item.find("media:thumbnail", namespaces={"media": "http://search.yahoo.com/mrss/"})
        yield {"title": item.findtext("title"), "by": creator.text if creator is not None else "",
               "thumb": thumb.get("url") if thumb is not None else None}


def digest():
    entries = list(items())[:5]
    doc = json.dumps({"@context": JSON_LD_CONTEXT, "@type": "ItemList", "itemListElement": entries})
    msg = claude.messages.create(
        model="claude-3-5-haiku-latest", max_tokens=400, messages=[{"role": "user", "content": doc}]
    )
    return msg.content[0].text


if __name__ == "__main__":
    print(digest())
