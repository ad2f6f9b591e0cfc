"""Authentication as a caller meets it: tokens (password and client credentials), sessions with CSRF,
dev headers only when enabled, rate-limited logins, duties, and the secret's configuration."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.db import as_
from yidi.app import create_app
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.demo.dataset import DemoPerson
from yidi.domain.errors import YidiError
from yidi.http import security
from yidi.http.security import AuthConfig, issue_token
from yidi.services import accounts
from yidi.services.access import Principal, Role
from yidi.services.context import Context

CFG = AuthConfig(b"test-secret-0123456789abcdef", dev_headers=False)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    # failed logins are counted in the database, which every test starts clean
    security.forget_accounts()


@pytest.fixture
def app_client(ctx: Context, demo: dict[str, DemoPerson]) -> Iterator[TestClient]:
    with TestClient(create_app(ctx=ctx, auth=CFG)) as c:
        yield c


def token_for(c: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    r = c.post("/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def code(r: object) -> str:
    return str(r.json()["error"]["code"])  # type: ignore[attr-defined]


def test_no_credentials_401_public_routes_open(app_client: TestClient) -> None:
    r = app_client.get("/api/v1/filings")
    assert r.status_code == 401 and code(r) == "AUTH_REQUIRED"
    assert r.json()["error"]["message_zh"] and r.json()["error"]["message_en"]
    assert app_client.get("/api/v1/health").status_code == 200


def test_dev_headers_ignored_unless_enabled(app_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = app_client.get("/api/v1/filings", headers=as_(Role.PERSON, demo["post_hoc"].id_number))
    assert r.status_code == 401


def test_password_grant_person_sees_own_filings(app_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    p = demo["retiree_resettled"]
    tok = token_for(app_client, p.id_number)
    me = app_client.get("/api/v1/auth/me", headers=bearer(tok)).json()
    assert me["role"] == "person" and p.id_number not in me["subject"]  # masked
    r = app_client.get("/api/v1/filings", headers=bearer(tok))
    assert r.status_code == 200 and r.json()["total"] >= 1
    # a person token may not use the hospital door
    r = app_client.post("/api/v1/hospital/persons/query", headers=bearer(tok), json={})
    assert r.status_code == 403 and code(r) == "ROLE_NOT_ALLOWED"


def test_wrong_password_and_rate_limit(app_client: TestClient) -> None:
    for _ in range(accounts.MAX_FAILURES):
        r = app_client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "reviewer-369900",
                                                        "password": "wrong-password"})
        assert r.status_code == 401 and code(r) == "LOGIN_FAILED"
    r = app_client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "reviewer-369900",
                                                    "password": DEMO_PASSWORD})
    assert r.status_code == 429 and code(r) == "LOGIN_RATE_LIMITED"  # even the right password waits
    # an unknown user answers exactly like a wrong password
    r = app_client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "nobody", "password": "x" * 9})
    assert r.status_code == 401 and code(r) == "LOGIN_FAILED"


def test_client_credentials_for_hospital(app_client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = app_client.post("/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "demoH44010000001",
                                                    "client_secret": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    tok = r.json()["access_token"]
    body = {"id_number": demo["post_hoc"].id_number}
    r = app_client.post("/api/v1/hospital/persons/query", headers=bearer(tok), json=body)
    assert r.status_code != 401 and r.status_code != 403, r.text
    # HTTP Basic works as well; a wrong secret does not
    r = app_client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"},
                        auth=("demoH44010000001", "wrong"))
    assert r.status_code == 401 and code(r) == "CLIENT_INVALID"
    # the raw API key is still accepted as a bearer credential
    r = app_client.post("/api/v1/hospital/persons/query", headers=bearer(f"yk_demoH44010000001.{DEMO_PASSWORD}"), json=body)
    assert r.status_code not in (401, 403)


def test_tampered_and_expired_tokens(app_client: TestClient) -> None:
    tok = token_for(app_client, "agency-369900")
    body, sig = tok.rsplit(".", 1)
    r = app_client.get("/api/v1/filings", headers=bearer(f"{body}.{sig[:-2]}AA"))
    assert r.status_code == 401 and code(r) == "AUTH_INVALID"
    old, _ = issue_token(CFG, Principal(Role.AGENCY, "369900"), account="u:1", now=time.time() - 7200)
    r = app_client.get("/api/v1/filings", headers=bearer(old))
    assert r.status_code == 401 and "expired" in r.json()["error"]["message_en"]
    other = AuthConfig(b"another-secret-0123456789", dev_headers=False)
    forged, _ = issue_token(other, Principal(Role.AGENCY, "369900"), account="u:1")
    assert app_client.get("/api/v1/filings", headers=bearer(forged)).status_code == 401


def test_disabled_account_loses_its_token(app_client: TestClient, ctx: Context) -> None:
    tok = token_for(app_client, "payer-369900")
    assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 200
    accounts.set_active(ctx, "payer-369900", False)
    security.forget_accounts()
    assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 401


def test_duties_decide_staff_routes(app_client: TestClient) -> None:
    payer = token_for(app_client, "payer-369900")
    reviewer = token_for(app_client, "reviewer-369900")
    r = app_client.get("/api/v1/claims/queue", headers=bearer(payer))
    assert r.status_code == 403 and code(r) == "ROLE_NOT_ALLOWED" and "reviewer" in r.json()["error"]["message_en"]
    assert app_client.get("/api/v1/claims/queue", headers=bearer(reviewer)).status_code == 200


def test_session_login_csrf_logout(app_client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    p = demo["post_hoc"]
    r = app_client.post("/api/v1/auth/session", json={"username": p.id_number, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    sid = app_client.cookies.get(security.SESSION_COOKIE)
    assert sid and "httponly" in r.headers["set-cookie"].lower() and "samesite=lax" in r.headers["set-cookie"].lower()
    assert app_client.get("/api/v1/filings").status_code == 200  # the cookie is enough to read
    # writing needs the CSRF token
    r = app_client.post("/api/v1/filings", json={})
    assert r.status_code == 403 and code(r) == "CSRF_FAILED"
    csrf = security.session_csrf_token(sid, CFG)
    r = app_client.post("/api/v1/filings", json={}, headers={security.CSRF_HEADER: csrf})
    assert r.status_code == 422  # past authentication: the empty body is what is wrong now
    # a form post may carry it as a field; another site's Origin is refused even with the token
    r = app_client.post("/api/v1/filings", json={}, headers={security.CSRF_HEADER: csrf, "Origin": "https://evil.example"})
    assert r.status_code == 403 and code(r) == "CSRF_FAILED"
    r = app_client.post("/api/v1/auth/logout", headers={security.CSRF_HEADER: csrf})
    assert r.status_code == 204
    app_client.cookies.set(security.SESSION_COOKIE, sid)  # replaying the old cookie does not work
    assert app_client.get("/api/v1/filings").status_code == 401


def test_login_from_another_site_refused(app_client: TestClient) -> None:
    r = app_client.post("/api/v1/auth/session", json={"username": "agency-369900", "password": DEMO_PASSWORD},
                        headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and code(r) == "CSRF_FAILED"


def test_passwords_hashed_memory_hard(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    h = accounts.hash_password("correct horse battery")
    assert h.startswith("scrypt$16384$8$1$") and "correct" not in h
    assert accounts.check_password("correct horse battery", h) and not accounts.check_password("wrong", h)
    with pytest.raises(YidiError) as e:
        accounts.create_user(ctx, "x", "short", accounts.AccountRole.AGENCY, "369900")
    assert e.value.code == "PASSWORD_TOO_SHORT"
