"""Sign-in through the platform's OpenID Connect provider, against a stand-in provider served here: the whole
authorization-code flow with PKCE (the browser's redirects followed by hand), the session it opens and what that
session may do, every ID token the platform must refuse, the role mapping, sign-out."""

import html
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceComponent, ServiceHost, create_host_app
from runagents_common.testing import serve_app
from runagents_policy.component import create_component
from runagents_policy.principals.models import SignInSession
from runagents_policy.settings import PolicySettings
from tests.identity_provider import rsa_key
from tests.oidc_issuer import OidcIssuer

ROLE_MAP = {"platform-admins": "admin", "ops": "operator", "reviewers": "approver"}
CLIENT_SECRET = "s3cret/with+odd=chars&more"


@dataclass
class Platform:
    base_url: str
    component: ServiceComponent

    async def sessions(self) -> int:
        async with self.component.database.session() as session:
            return int(await session.scalar(select(func.count()).select_from(SignInSession)) or 0)


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer(client_secret=CLIENT_SECRET).serving() as served:
        yield served


@asynccontextmanager
async def policy_platform(data_dir: Path, issuer: OidcIssuer, platform_url: str = "http://127.0.0.1:9",
                          **overrides: Any) -> AsyncIterator[Platform]:
    """The policy service alone, in dev mode, signing people in through ``issuer``."""
    settings = PolicySettings(mode="dev", data_dir=data_dir, platform_url=platform_url, seed_starter_kit=False,
                              **{"oidc_issuer": issuer.issuer, "oidc_client_id": issuer.client_id,
                                 "oidc_client_secret": issuer.client_secret, "oidc_role_map": ROLE_MAP,
                                 **overrides})
    component = create_component(settings)
    app = create_host_app(ServiceHost([component], InMemoryBus(), migrate_on_start=True), "policy",
                          settings=settings)
    async with serve_app(app) as base_url:
        yield Platform(base_url, component)


@pytest.fixture
async def platform(tmp_path: Path, issuer: OidcIssuer) -> AsyncIterator[Platform]:
    async with policy_platform(tmp_path, issuer) as started:
        yield started


async def to_issuer(login: httpx.Response) -> str:
    """What the provider's /authorize answers the browser sent there: the callback URL's query."""
    assert login.status_code == 303, login.text
    async with httpx.AsyncClient() as browser_at_the_provider:
        authorize = await browser_at_the_provider.get(login.headers["location"])
    assert authorize.status_code == 302, authorize.text
    return urlsplit(authorize.headers["location"]).query


async def sign_in(browser: httpx.AsyncClient, then: str = "/auth/") -> httpx.Response:
    """Login, the provider's /authorize, the callback: the platform's last answer."""
    query = await to_issuer(await browser.get("/auth/oidc/login", params={"then": then}))
    return await browser.get(f"/auth/oidc/callback?{query}")


def shown(page: httpx.Response) -> str:
    """The text a person reads on a page (its HTML entities decoded)."""
    return html.unescape(page.text)


def set_cookies(response: httpx.Response) -> SimpleCookie:
    cookies: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookies.load(header)
    return cookies


async def test_a_person_signs_in_with_the_mapped_role_and_writes_only_with_the_csrf_token(
        platform: Platform, issuer: OidcIssuer) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        login = await browser.get("/auth/oidc/login", params={"then": "/docs"})
        target = urlsplit(login.headers["location"])
        asked = {name: values[0] for name, values in parse_qs(target.query).items()}
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{issuer.url}/authorize"
        assert asked["response_type"] == "code" and asked["client_id"] == issuer.client_id
        assert asked["redirect_uri"] == "http://127.0.0.1:9/auth/oidc/callback"
        assert asked["scope"] == "openid email profile" and asked["code_challenge_method"] == "S256"
        assert len(asked["code_challenge"]) == 43 and asked["state"] and asked["nonce"]
        state_cookie = set_cookies(login)["runagents_oidc"]
        assert state_cookie["httponly"] and state_cookie["samesite"].lower() == "lax"
        assert state_cookie["path"] == "/auth/oidc" and state_cookie["max-age"] == "600"
        assert not state_cookie["secure"]

        callback = await browser.get(f"/auth/oidc/callback?{await to_issuer(login)}")
        assert callback.status_code == 303, callback.text
        assert callback.headers["location"] == "/docs"
        session_cookie = set_cookies(callback)["runagents_session"]
        assert session_cookie["httponly"] and session_cookie["samesite"].lower() == "lax"
        assert set_cookies(callback)["runagents_oidc"]["max-age"] == "0"  # the state is cleared: good once
        assert issuer.token_requests[-1]["code_verifier"] and "client_id" not in issuer.token_requests[-1]

        me = await browser.get("/api/v1/auth/me")
        assert me.status_code == 200, me.text
        host = urlsplit(issuer.url).netloc
        assert me.json() | {"csrf_token": None} == {"id": f"user:alice-1@{host}", "kind": "user",
                                                     "name": "alice@example.com", "role": "admin",
                                                     "session": True, "csrf_token": None}

        without = await browser.post("/api/v1/api-keys", json={"name": "ci", "role": "viewer"})
        assert without.status_code == 403 and "CSRF token" in without.json()["detail"], without.text
        wrong = await browser.post("/api/v1/api-keys", json={"name": "ci", "role": "viewer"},
                                   headers={"x-csrf-token": "not-the-token"})
        assert wrong.status_code == 403
        made = await browser.post("/api/v1/api-keys", json={"name": "ci", "role": "viewer"},
                                  headers={"x-csrf-token": browser.cookies["runagents_csrf"]})
        assert made.status_code == 201, made.text
        assert made.json()["created_by"] == f"alice@example.com (user:alice-1@{host})"


async def test_the_session_cookie_is_secure_when_the_platform_is_served_over_https(
        tmp_path: Path, issuer: OidcIssuer) -> None:
    async with policy_platform(tmp_path, issuer, platform_url="https://runagents.example") as platform, \
            httpx.AsyncClient(base_url=platform.base_url) as browser:
        login = await browser.get("/auth/oidc/login")
        state_cookie = set_cookies(login)["runagents_oidc"]
        assert state_cookie["secure"]
        query = await to_issuer(login)
        assert issuer.authorizations[-1].redirect_uri == "https://runagents.example/auth/oidc/callback"
        # A Secure cookie is not sent over plain HTTP by a browser: the test hands it over itself.
        callback = await browser.get(f"/auth/oidc/callback?{query}",
                                     headers={"cookie": f"runagents_oidc={state_cookie.value}"})
        assert callback.status_code == 303, callback.text
        cookies = set_cookies(callback)
        assert cookies["runagents_session"]["secure"] and cookies["runagents_session"]["httponly"]
        assert cookies["runagents_csrf"]["secure"]


FORGERIES: dict[str, tuple[Callable[[OidcIssuer, dict[str, Any]], str], str]] = {
    "expired": (lambda i, c: i.keys.sign(**{**c, "iat": int(time.time()) - 600, "exp": int(time.time()) - 120}),
                "the ID token has expired"),
    "issued in the future": (lambda i, c: i.keys.sign(**{**c, "iat": int(time.time()) + 300,
                                                          "exp": int(time.time()) + 900}),
                             "not valid yet"),
    "not before in the future": (lambda i, c: i.keys.sign(**{**c, "nbf": int(time.time()) + 300}), "not valid yet"),
    "wrong audience": (lambda i, c: i.keys.sign(**{**c, "aud": "another-client"}), "not meant for this platform"),
    "several audiences, no azp": (lambda i, c: i.keys.sign(**{**c, "aud": [i.client_id, "another-client"]}),
                                  "authorized party (azp)"),
    "wrong issuer": (lambda i, c: i.keys.sign(**{**c, "iss": "https://idp.example/"}), "configured issuer"),
    "alg none": (lambda i, c: i.keys.unsigned(kid=i.keys.published[0].kid, **c), "algorithm that is not accepted"),
    "HS256 with the public key": (lambda i, c: i.keys.hmac_with_public_key(i.keys.published[0], **c),
                                  "algorithm that is not accepted"),
    "impostor key under the published kid": (lambda i, c: i.keys.sign(i.keys.published[0].impostor(), **c),
                                             "signature does not verify"),
    "unknown kid": (lambda i, c: i.keys.sign(rsa_key(kid="never-published"), **c),
                    "key id is not among the provider's signing keys"),
    "nonce mismatch": (lambda i, c: i.keys.sign(**{**c, "nonce": "another-sign-in"}), "nonce mismatch"),
    "no nonce": (lambda i, c: i.keys.sign(**{**c, "nonce": None}), "nonce mismatch"),
    "no exp": (lambda i, c: i.keys.sign(**{**c, "exp": None}), "no 'exp' claim"),
    "no subject": (lambda i, c: i.keys.sign(**{**c, "sub": None}), "no 'sub' claim"),
    "not a JWT": (lambda i, c: "not.a.jwt", "not a well-formed JWT"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_an_id_token_that_fails_a_check_opens_no_session(platform: Platform, issuer: OidcIssuer,
                                                                forgery: str, caplog: pytest.LogCaptureFixture
                                                                ) -> None:
    make, reason = FORGERIES[forgery]
    sent: list[str] = []
    issuer.id_token = lambda claims: sent.append(make(issuer, claims)) or sent[-1]
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        refused = await sign_in(browser)
        assert refused.status_code == 401, refused.text
        assert reason in shown(refused)
        assert "runagents_session" not in set_cookies(refused)
        assert (await browser.get("/api/v1/auth/me")).status_code == 401
    assert await platform.sessions() == 0
    logged = [record.getMessage() for record in caplog.records if record.name == "runagents.policy.oidc"]
    assert any(reason in message for message in logged), logged
    token_parts = [part for part in sent[0].split(".") if len(part) > 16]  # the forged JWTs' header and claims
    assert not any(part in message for part in token_parts for message in logged)


async def test_an_unknown_kid_fetches_the_keys_again_at_most_once_a_minute(platform: Platform,
                                                                          issuer: OidcIssuer) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        assert (await sign_in(browser)).status_code == 303
        fetched = issuer.keys.fetches
        issuer.id_token = lambda claims: issuer.keys.sign(rsa_key(kid="rotated-in"), **claims)
        assert (await sign_in(browser)).status_code == 401
        assert issuer.keys.fetches == fetched + 1
        assert (await sign_in(browser)).status_code == 401
        assert issuer.keys.fetches == fetched + 1


async def test_a_rotated_key_is_picked_up_when_a_token_names_it(platform: Platform, issuer: OidcIssuer) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        assert (await sign_in(browser)).status_code == 303
        rotated = rsa_key(kid="rotated-in")
        issuer.keys.publish(issuer.keys.published[0], rotated)
        issuer.id_token = lambda claims: issuer.keys.sign(rotated, **claims)
        assert (await sign_in(browser)).status_code == 303


async def test_a_stolen_code_is_useless_without_its_pkce_verifier(platform: Platform, issuer: OidcIssuer) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as victim, \
            httpx.AsyncClient(base_url=platform.base_url) as attacker:
        victims_code = parse_qs(await to_issuer(await victim.get("/auth/oidc/login")))["code"][0]
        attackers = parse_qs(await to_issuer(await attacker.get("/auth/oidc/login")))
        refused = await attacker.get("/auth/oidc/callback",
                                     params={"code": victims_code, "state": attackers["state"][0]})
        assert refused.status_code == 401
        assert "PKCE verification failed" in shown(refused)
        assert victims_code not in refused.text
    assert await platform.sessions() == 0


async def test_a_callback_for_another_sign_in_or_a_second_time_is_refused(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        login = await browser.get("/auth/oidc/login")
        query = parse_qs(await to_issuer(login))
        mismatch = await browser.get("/auth/oidc/callback", params={"code": query["code"][0], "state": "other"})
        assert mismatch.status_code == 401 and "state mismatch" in shown(mismatch)
        no_cookie = await browser.get("/auth/oidc/callback", params={"code": query["code"][0],
                                                                     "state": query["state"][0]})
        assert no_cookie.status_code == 401 and "started no sign-in here" in shown(no_cookie)

        login = await browser.get("/auth/oidc/login")
        state_cookie = set_cookies(login)["runagents_oidc"].value
        callback_query = await to_issuer(login)
        assert (await browser.get(f"/auth/oidc/callback?{callback_query}")).status_code == 303
        assert await platform.sessions() == 1
        replayed = await browser.get(f"/auth/oidc/callback?{callback_query}",
                                     headers={"cookie": f"runagents_oidc={state_cookie}"})
        assert replayed.status_code == 401 and "completed already" in shown(replayed)
        tampered = await browser.get(f"/auth/oidc/callback?{callback_query}",
                                     headers={"cookie": f"runagents_oidc={state_cookie[:-2]}xx"})
        assert tampered.status_code == 401 and "not this platform's" in shown(tampered)
    assert await platform.sessions() == 1


async def test_the_providers_refusal_is_shown_on_the_sign_in_page(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        login = await browser.get("/auth/oidc/login")
        state = parse_qs(urlsplit(login.headers["location"]).query)["state"][0]
        refused = await browser.get("/auth/oidc/callback", params={
            "error": "access_denied", "error_description": "<b>the user said no</b>", "state": state})
        assert refused.status_code == 401
        assert "access_denied" in shown(refused) and "&lt;b&gt;the user said no&lt;/b&gt;" in refused.text
        assert 'action="/auth/signin"' in refused.text  # the sign-in page, to try another way


@pytest.mark.parametrize(("groups", "role"), [
    (["platform-admins", "ops"], "admin"),
    (["reviewers", "ops", "unmapped"], "operator"),
    ("reviewers", "approver"),
    (["unmapped"], "viewer"),
    (None, "viewer"),
])
async def test_the_highest_mapped_role_wins_else_the_default(tmp_path: Path, issuer: OidcIssuer,
                                                              groups: Any, role: str) -> None:
    issuer.person = {"sub": "bob", "preferred_username": "bob", **({"groups": groups} if groups else {})}
    async with policy_platform(tmp_path, issuer, oidc_default_role="viewer") as platform, \
            httpx.AsyncClient(base_url=platform.base_url) as browser:
        assert (await sign_in(browser)).status_code == 303
        me = (await browser.get("/api/v1/auth/me")).json()
        assert (me["role"], me["name"]) == (role, "bob")


async def test_a_person_with_no_mapped_group_and_no_default_role_cannot_sign_in(
        platform: Platform, issuer: OidcIssuer) -> None:
    issuer.person = {"sub": "carol", "email": "carol@example.com", "groups": ["marketing"]}
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        refused = await sign_in(browser)
        assert refused.status_code == 401
        assert "none of the values of its 'groups' claim is mapped to a role" in shown(refused)
    assert await platform.sessions() == 0


async def test_a_public_client_relies_on_pkce_and_names_itself(tmp_path: Path) -> None:
    with OidcIssuer(client_secret=None).serving() as public_issuer:
        async with policy_platform(tmp_path, public_issuer, oidc_client_secret=None) as platform, \
                httpx.AsyncClient(base_url=platform.base_url) as browser:
            assert (await sign_in(browser)).status_code == 303
            assert public_issuer.token_requests[-1]["client_id"] == public_issuer.client_id


async def test_a_wrong_client_secret_is_refused_without_showing_it(tmp_path: Path, issuer: OidcIssuer) -> None:
    async with policy_platform(tmp_path, issuer, oidc_client_secret="not-the-secret") as platform, \
            httpx.AsyncClient(base_url=platform.base_url) as browser:
        refused = await sign_in(browser)
        assert refused.status_code == 401 and "invalid_client" in shown(refused)
        assert "not-the-secret" not in refused.text


async def test_a_discovery_document_naming_another_issuer_is_refused(tmp_path: Path, issuer: OidcIssuer) -> None:
    issuer.discovery_overrides = {"issuer": issuer.url + "/"}
    async with policy_platform(tmp_path, issuer) as platform, \
            httpx.AsyncClient(base_url=platform.base_url) as browser:
        refused = await browser.get("/auth/oidc/login")
        assert refused.status_code == 401 and "must be exactly its issuer" in shown(refused)
        assert issuer.authorizations == []


async def test_signing_out_ends_the_session(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url) as browser:
        assert (await sign_in(browser)).status_code == 303
        session_cookie = browser.cookies["runagents_session"]
        stale = await browser.post("/auth/signout", data={"csrf": "stale"})
        assert stale.status_code == 403
        out = await browser.post("/auth/signout", data={"csrf": browser.cookies["runagents_csrf"]})
        assert out.status_code == 303 and out.headers["location"] == "/auth/signin"
        after = await browser.get("/api/v1/auth/me", headers={"cookie": f"runagents_session={session_cookie}"})
        assert after.status_code == 401
    assert await platform.sessions() == 0


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("RUNAGENTS_OIDC_ROLE_MAP", "{not json", "RUNAGENTS_OIDC_ROLE_MAP is not JSON"),
    ("RUNAGENTS_OIDC_ROLE_MAP", '{"ops": "root"}', "maps 'ops' to 'root'"),
    ("RUNAGENTS_OIDC_ROLE_MAP", '{"robots": "service"}', "maps 'robots' to 'service'"),
    ("RUNAGENTS_OIDC_DEFAULT_ROLE", "superuser", "RUNAGENTS_OIDC_DEFAULT_ROLE is 'superuser'"),
])
def test_a_bad_role_setting_stops_the_start_naming_it(monkeypatch: pytest.MonkeyPatch, setting: str, value: str,
                                                      named: str) -> None:
    monkeypatch.setenv(setting, value)
    with pytest.raises(ValueError, match=named):
        PolicySettings()


def test_an_issuer_without_a_client_id_stops_the_start(tmp_path: Path) -> None:
    from runagents_common.settings import MissingSetting

    with pytest.raises(MissingSetting, match="RUNAGENTS_OIDC_CLIENT_ID"):
        create_component(PolicySettings(mode="dev", data_dir=tmp_path, oidc_issuer="https://idp.example"))


async def test_distributed_policy_processes_share_the_state_key_without_it_being_the_service_keys_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from runagents_policy.signin.oidc_pages import oidc_sign_in

    monkeypatch.setenv("RUNAGENTS_SERVICE_KEYS_SECRET", "shared-by-the-platform")
    settings = PolicySettings(mode="distributed", oidc_issuer="https://idp.example", oidc_client_id="runagents")
    one, other = oidc_sign_in(settings), oidc_sign_in(settings)
    assert one is not None and other is not None
    pending, cookie = one.states.start("/auth/")
    assert other.states.finish(cookie, pending.state).nonce == pending.nonce
    assert one.states.secret != b"shared-by-the-platform"
    monkeypatch.setenv("RUNAGENTS_SERVICE_KEYS_SECRET", "another-platform")
    elsewhere = oidc_sign_in(settings)
    assert elsewhere is not None and elsewhere.states.secret != one.states.secret
    for made in (one, other, elsewhere):
        await made.aclose()


async def test_a_person_signed_in_on_the_dev_platform_uses_every_services_api(
        tmp_path: Path, issuer: OidcIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    from runagents.dev import create_dev_app

    for name, value in {"RUNAGENTS_MODE": "dev", "RUNAGENTS_DATA_DIR": str(tmp_path),
                        "RUNAGENTS_PLATFORM_URL": "http://127.0.0.1:9", "RUNAGENTS_OIDC_ISSUER": issuer.issuer,
                        "RUNAGENTS_OIDC_CLIENT_ID": issuer.client_id, "RUNAGENTS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
                        "RUNAGENTS_OIDC_ROLE_MAP": '{"ops": "operator"}'}.items():
        monkeypatch.setenv(name, value)  # restored afterwards (create_dev_app sets some of them too)
    issuer.person = {"sub": "dana", "email": "dana@example.com", "groups": ["ops", "marketing"]}
    async with serve_app(create_dev_app(tmp_path, "http://127.0.0.1:9")) as base_url, \
            httpx.AsyncClient(base_url=base_url) as browser:
        page = await browser.get("/auth/signin", params={"then": "/auth/"})
        assert 'href="/auth/oidc/login?then=/auth/"' in page.text
        assert (await sign_in(browser)).status_code == 303
        assert (await browser.get("/api/v1/agents")).status_code == 200
        without = await browser.delete("/api/v1/agents/no-such-agent")
        assert without.status_code == 403, without.text
        made = await browser.delete("/api/v1/agents/no-such-agent",
                                    headers={"x-csrf-token": browser.cookies["runagents_csrf"]})
        assert made.status_code == 404, made.text
        keys = await browser.get("/api/v1/api-keys")
        assert keys.status_code == 403 and "operator" in keys.json()["detail"]
