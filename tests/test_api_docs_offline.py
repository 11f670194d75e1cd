"""/docs and /redoc load every script, style and icon from the platform itself: a platform with no internet
access shows its API documentation (FastAPI's defaults load them from a CDN and rendered a blank page)."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from runagents.dev import create_dev_app
from runagents_common.testing import serve_app


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[str]:
    async with serve_app(create_dev_app(tmp_path, "http://127.0.0.1:9")) as url:
        yield url


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_documentation_pages_load_only_what_the_platform_serves(platform: str, page: str) -> None:
    async with httpx.AsyncClient(base_url=platform) as browser:
        answer = await browser.get(page)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        loaded = re.findall(r"""(?:src|href)\s*[=:]\s*["']([^"']+)["']""", answer.text)
        loaded += re.findall(r"""url:\s*["']([^"']+)["']""", answer.text)
        assert loaded, answer.text
        elsewhere = [url for url in loaded if not url.startswith("/")]
        assert not elsewhere, f"{page} loads from elsewhere: {elsewhere}"
        assert not re.search(r"https?://(?!127\.0\.0\.1)", answer.text.replace("http://www.w3.org", "")), \
            answer.text[:2000]
        sizes = {}
        for url in set(loaded):
            asset = await browser.get(url)
            assert asset.status_code == 200 and asset.content, url
            sizes[url] = len(asset.content)
        scripts = [url for url in sizes if url.endswith(".js")]
        assert scripts and all(sizes[url] > 100_000 for url in scripts), sizes  # the UI's own bundle, not a stub


async def test_the_documentation_needs_no_credential_and_lists_the_api(platform: str) -> None:
    async with httpx.AsyncClient(base_url=platform) as browser:
        document = (await browser.get("/openapi.json")).json()
    assert "/api/v1/agents" in document["paths"]
    # Swagger UI's Authorize button takes an API key or uses the sign-in session.
    assert set(document["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyCookie"}
