"""Sign-in without an OpenID Connect provider: an API key pasted on the sign-in page, or the one-time link dev mode
prints; the session cookie that follows, its CSRF token, and sign-out."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runagents.dev import create_dev_app
from runagents_common.testing import ADMIN_HEADERS, serve_app


@dataclass
class Platform:
    url: str
    app: object


async def _platform(tmp_path: Path, platform_url: str = "http://127.0.0.1:9") -> AsyncIterator[Platform]:
    app = create_dev_app(tmp_path, platform_url)
    async with serve_app(app) as url:
        yield Platform(url, app)


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    async for running in _platform(tmp_path):
        yield running


async def _key(platform: Platform, role: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        made = await admin.post("/api/v1/api-keys", json={"name": f"{role} person", "role": role})
        assert made.status_code == 201, made.text
        key: dict[str, str] = made.json()
        return key


async def _signed_in(client: httpx.AsyncClient, key: str, then: str = "/auth/") -> httpx.Response:
    return await client.post("/auth/signin", data={"key": key, "then": then})


async def test_a_key_pasted_on_the_sign_in_page_opens_a_session_whose_writes_need_the_csrf_token(
        platform: Platform) -> None:
    operator = await _key(platform, "operator")
    async with httpx.AsyncClient(base_url=platform.url) as browser:
        page = await browser.get("/auth/signin")
        assert page.status_code == 200 and 'name="key"' in page.text and "<label" in page.text

        answer = await _signed_in(browser, operator["key"])
        assert answer.status_code == 303 and answer.headers["location"] == "/auth/"
        cookies = {c.split("=", 1)[0]: c.lower() for c in answer.headers.get_list("set-cookie")}
        assert "httponly" in cookies["runagents_session"] and "samesite=lax" in cookies["runagents_session"]
        assert "httponly" not in cookies["runagents_csrf"]
        assert "secure" not in cookies["runagents_session"]  # plain HTTP here: see the TLS test below
        assert operator["key"] not in str(answer.headers)

        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["id"], me["role"], me["session"]) == (f"key:{operator['prefix']}", "operator", True)
        assert me["csrf_token"] == browser.cookies["runagents_csrf"]
        assert "Signed in as" in (await browser.get("/auth/")).text

        tool = {"name": "csrf-tool", "base_url": "https://tool.example", "description": "", "capabilities": []}
        forged = await browser.post("/api/v1/tools", json=tool)
        assert forged.status_code == 403 and forged.json()["code"] == "csrf"
        wrong = await browser.post("/api/v1/tools", json=tool, headers={"x-csrf-token": "not-it"})
        assert wrong.status_code == 403
        made = await browser.post("/api/v1/tools", json=tool, headers={"x-csrf-token": me["csrf_token"]})
        assert made.status_code == 201, made.text
        # Reads need no token; a Bearer key's writes need none either (no cookie rides along with them).
        assert (await browser.get("/api/v1/tools/csrf-tool")).status_code == 200


async def test_revoking_the_key_ends_the_sessions_opened_with_it(platform: Platform) -> None:
    viewer = await _key(platform, "viewer")
    async with httpx.AsyncClient(base_url=platform.url) as browser, \
            httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        await _signed_in(browser, viewer["key"])
        assert (await browser.get("/api/v1/auth/me")).status_code == 200
        assert (await admin.delete(f"/api/v1/api-keys/{viewer['prefix']}")).status_code == 200
        answer = await browser.get("/api/v1/auth/me")
        assert answer.status_code == 401 and "sign-in session is not valid" in answer.json()["detail"]


async def test_a_wrong_key_is_refused_on_the_page_and_opens_nothing(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as browser:
        answer = await _signed_in(browser, "ra_abcdefghij_wrong")
        assert answer.status_code == 401 and "not valid" in answer.text and "ra_abcdefghij_wrong" not in answer.text
        assert "runagents_session" not in browser.cookies


async def test_the_bootstrap_admin_key_signs_in_as_admin(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as browser:
        await _signed_in(browser, ADMIN_HEADERS["authorization"].removeprefix("Bearer "))
        assert (await browser.get("/api/v1/auth/me")).json()["role"] == "admin"


async def test_sign_in_sends_the_browser_only_to_paths_of_this_site(platform: Platform) -> None:
    viewer = await _key(platform, "viewer")
    for then, lands in (("/api/v1/tools", "/api/v1/tools"), ("//evil.example/x", "/auth/"),
                        ("https://evil.example/", "/auth/"), ("/\\evil.example", "/auth/")):
        async with httpx.AsyncClient(base_url=platform.url) as browser:
            answer = await _signed_in(browser, viewer["key"], then=then)
            assert answer.headers["location"] == lands, then


async def test_the_one_time_link_opens_one_admin_session_once(platform: Platform) -> None:
    code = platform.app.state.components["policy"].context.sign_in_links.mint()  # type: ignore[attr-defined]
    async with httpx.AsyncClient(base_url=platform.url) as browser:
        answer = await browser.get("/auth/signin/link", params={"code": code})
        assert answer.status_code == 303
        assert (await browser.get("/api/v1/auth/me")).json()["role"] == "admin"
    async with httpx.AsyncClient(base_url=platform.url) as other_browser:
        again = await other_browser.get("/auth/signin/link", params={"code": code})
        assert again.status_code == 401 and "used already" in again.text
        assert (await other_browser.get("/api/v1/auth/me")).status_code == 401
        made_up = await other_browser.get("/auth/signin/link", params={"code": "made-up"})
        assert made_up.status_code == 401


async def test_sign_out_needs_the_csrf_token_and_ends_the_session(platform: Platform) -> None:
    viewer = await _key(platform, "viewer")
    async with httpx.AsyncClient(base_url=platform.url) as browser:
        await _signed_in(browser, viewer["key"])
        session_cookie = browser.cookies["runagents_session"]
        stale = await browser.post("/auth/signout", data={"csrf": "not-it"})
        assert stale.status_code == 403
        assert (await browser.get("/api/v1/auth/me")).status_code == 200

        done = await browser.post("/auth/signout", data={"csrf": browser.cookies["runagents_csrf"]})
        assert done.status_code == 303 and done.headers["location"] == "/auth/signin"
    async with httpx.AsyncClient(base_url=platform.url, cookies={"runagents_session": session_cookie}) as replay:
        assert (await replay.get("/api/v1/auth/me")).status_code == 401


async def test_behind_tls_the_session_cookies_are_secure(tmp_path: Path) -> None:
    async for platform in _platform(tmp_path, "https://runagents.example"):
        viewer = await _key(platform, "viewer")
        async with httpx.AsyncClient(base_url=platform.url) as browser:
            answer = await _signed_in(browser, viewer["key"])
            for cookie in answer.headers.get_list("set-cookie"):
                assert "; secure" in cookie.lower(), cookie


async def test_signing_in_and_out_is_in_the_audit(platform: Platform) -> None:
    from runagents_common.testing import eventually

    viewer = await _key(platform, "viewer")
    async with httpx.AsyncClient(base_url=platform.url) as browser, \
            httpx.AsyncClient(base_url=platform.url, headers=ADMIN_HEADERS) as admin:
        await _signed_in(browser, viewer["key"])
        await browser.post("/auth/signout", data={"csrf": browser.cookies["runagents_csrf"]})
        trail: list[dict[str, str]] = []

        async def recorded() -> bool:
            answer = await admin.get("/api/v1/audit", params={"resource_type": "session"})
            trail[:] = answer.json()["items"]
            return len(trail) == 2

        await eventually(recorded, message="the sign-in and the sign-out in the audit")
    assert [e["action"] for e in trail] == ["session.closed", "session.opened"]
    assert {e["principal_id"] for e in trail} == {f"key:{viewer['prefix']}"}
    assert viewer["prefix"] in trail[1]["summary"] and viewer["key"] not in str(trail)
