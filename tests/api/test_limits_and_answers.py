"""Issue 13 item 5, on SQLite and PostgreSQL: one streaming body limit (413), JSON read strictly (415,
JSON_SYNTAX, JSON_DUPLICATE_KEY, exact decimals), 429 with Retry-After, logout behind CSRF, a replayed
settle answering the first answer's bytes, and `yidi users add` refusing subjects that name nothing."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from tests.settlement.helpers import API, GZ1, key_for, lines, seed_person, upload, visit_with_lines
from tests.support.db import as_
from yidi.cli import app as cli
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.demo.dataset import DemoPerson
from yidi.domain.errors import YidiError
from yidi.http import limits, security
from yidi.services import accounts, ledger
from yidi.services.access import Role
from yidi.services.context import Context
from yidi.store.auth_models import UserRow
from yidi.store.db import unit_of_work
from yidi.store.models import FilingRow
from yidi.store.settlement_models import AuditRow, SettlementRow

JSON = {"content-type": "application/json"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    # failed logins are counted in the database, which every test starts clean
    security.forget_accounts()


def counts(ctx: Context) -> tuple[int, int, int, int]:
    with unit_of_work(ctx.sessions) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (FilingRow, SettlementRow, UserRow, AuditRow))


def error(r: Any) -> dict[str, Any]:
    body: dict[str, Any] = r.json()["error"]
    return body


# --- body limits ---------------------------------------------------------------------------------------


def asgi_post(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], chunk: bytes | None) -> tuple[int, int, bytes]:
    """POST straight through the ASGI app: (status, how many body chunks it pulled, answer body). With
    `chunk`, the client streams that chunk for ever (a chunked upload that never ends); None: reading fails."""
    pulled, messages = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if chunk is None:
            raise AssertionError("the body was read")
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 5000),
             "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start["status"], pulled, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def test_limits_per_kind_of_route() -> None:
    up = limits.upload_limit()
    assert up == 10 * 1024 * 1024 + 1024 * 1024  # the 10 MB scan limit of services.claims + 1 MB of form
    assert limits.limit_for("/api/v1/filings", up) == 256 * 1024
    assert limits.limit_for("/api/v1/auth/token", up) == 256 * 1024
    assert limits.limit_for("/api/v1/hospital/visits/M1/lines", up) == 4 * 1024 * 1024
    assert limits.limit_for("/api/v1/claims/C1/approve", up) == 4 * 1024 * 1024
    # the national envelope: 2301 carries up to 1000 fee lines, 9101 a file of up to 2 MiB (as base64)
    assert limits.limit_for("/api/v1/fsi", up) == 4 * 1024 * 1024
    assert limits.limit_for("/api/v1/fsix", up) == 256 * 1024
    for path in ("/api/v1/claims/C1/documents", "/api/v1/claims/C1/fee-list", "/me/claims/C1/documents",
                 "/desk/visits/M1/lines", "/estimate"):
        assert limits.limit_for(path, up) == up, path


def test_declared_length_over_the_limit_is_refused_unread(ctx: Context, client: TestClient) -> None:
    status, _, body = asgi_post(client.app, "/api/v1/hospital/visits",  # type: ignore[arg-type]
                                [(b"content-type", b"application/json"), (b"content-length", b"20971520")], None)
    assert status == 413 and json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    # the same through the whole client: a 20 MB filing is refused with the envelope, nothing stored
    before = counts(ctx)
    r = client.post("/api/v1/filings", content=b'{"x": "' + b"x" * (20 * 1024 * 1024) + b'"}', headers=JSON)
    assert r.status_code == 413 and error(r)["code"] == "PAYLOAD_TOO_LARGE" and "256 KB" in error(r)["message_en"]
    assert r.headers["connection"] == "close"
    assert counts(ctx) == before


def test_chunked_body_is_cut_where_it_passes_the_limit(ctx: Context, client: TestClient,
                                                       demo: dict[str, DemoPerson]) -> None:
    chunk = b"x" * (64 * 1024)
    before = counts(ctx)
    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked"),
               (b"x-yidi-role", b"person"), (b"x-yidi-subject", demo["post_hoc"].id_number.encode())]
    status, pulled, body = asgi_post(client.app, "/api/v1/filings", headers, chunk)  # type: ignore[arg-type]
    # 256 KB = 4 chunks of 64 KB; the 5th passes the limit and the read stops there
    assert status == 413 and pulled == 5 and json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    status, pulled, _ = asgi_post(client.app, "/api/v1/hospital/visits/M1/lines", headers, chunk)  # type: ignore[arg-type]
    assert status == 413 and pulled == 65  # 4 MB = 64 chunks
    assert counts(ctx) == before


def test_uploads_get_the_scan_limit_and_json_routes_do_not(client: TestClient) -> None:
    six_mb = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)
    r = client.post("/api/v1/claims/C1/documents", files={"file": ("scan.pdf", six_mb, "application/pdf")},
                    data={"material": "invoice"})
    assert r.status_code == 401  # past the size check: the caller is what is wrong now
    r = client.post("/api/v1/claims/C1/approve", files={"file": ("scan.pdf", six_mb, "application/pdf")})
    assert r.status_code == 413 and error(r)["code"] == "PAYLOAD_TOO_LARGE"
    r = client.post("/api/v1/claims/C1/documents", files={"file": ("scan.pdf", six_mb * 2, "application/pdf")})
    assert r.status_code == 413 and "11 MB" in error(r)["message_en"]


# --- JSON read strictly --------------------------------------------------------------------------------


def json_operations(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                out.append((method.upper(), re.sub(r"\{[^}]+\}", "X1", path)))
    return out


ENVELOPE = "/api/v1/fsi"  # the national envelope answers every refusal as infcode -1, for the HIS to read


def test_every_json_route_refuses_duplicate_keys_and_other_media_types(ctx: Context, client: TestClient) -> None:
    ops = json_operations(client.app)  # type: ignore[arg-type]
    assert len(ops) >= 30 and ("POST", ENVELOPE) in ops
    for method, path in ops:
        if path == ENVELOPE:
            h = key_for(ctx, GZ1)
            r = client.post(path, content=b'{"infno": "1101", "infno": "9001", "input": {}}', headers={**h, **JSON})
            assert r.status_code == 200 and r.json()["infcode"] == -1, r.text
            assert r.json()["err_code"] == "JSON_DUPLICATE_KEY" and "infno" in r.json()["err_msg"]
            r = client.post(path, content=b'{"infno": "9001", "input": {}}', headers={**h, "content-type": "text/plain"})
            assert r.json()["infcode"] == -1 and r.json()["err_code"] == "UNSUPPORTED_MEDIA_TYPE", r.text
            continue
        r = client.request(method, path, content=b'{"reason": "a", "reason": "b"}', headers=JSON)
        assert r.status_code == 400 and error(r)["code"] == "JSON_DUPLICATE_KEY" and error(r)["field"] == "reason", path
        r = client.request(method, path, content=b'{"reason": "a"}', headers={"content-type": "text/plain"})
        assert r.status_code == 415 and error(r)["code"] == "UNSUPPORTED_MEDIA_TYPE", path
        assert error(r)["field"] == "Content-Type" and error(r)["message_zh"]


@pytest.mark.parametrize(("body", "ctype", "what"), [
    (b'{"id_number": "\xff\xfe"}', "application/json", "not UTF-8"),
    (b'\xef\xbb\xbf{"id_number": "1"}', "application/json", "BOM"),
    (b'[' * 40 + b']' * 40, "application/json", "nested deeper than 32"),
    (b'{"a": NaN}', "application/json", "NaN"),
    (b'{"a": 1' + b'0' * 5000 + b'}', "application/json", "digits"),
    (b'{"name": "\\ud800"}', "application/json", "surrogate"),
    (b'{"a": 1,}', "application/json", "line 1"),
    (b'{"a": 1}', "application/json; charset=latin-1", None),
    (b'{"a": 1}', "", None),
])
def test_bad_json_answers_400_or_415(ctx: Context, client: TestClient, demo: dict[str, DemoPerson],
                                     body: bytes, ctype: str, what: str | None) -> None:
    before = counts(ctx)
    headers = {**as_(Role.PERSON, demo["post_hoc"].id_number), "content-type": ctype}
    r = client.post("/api/v1/filings", content=body, headers=headers)
    if what is None:
        assert r.status_code == 415 and error(r)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    else:
        assert r.status_code == 400 and error(r)["code"] == "JSON_SYNTAX" and what in error(r)["message_en"], r.text
    assert counts(ctx) == before


def test_duplicate_key_deep_inside_is_named_and_nothing_is_stored(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 41)
    h = {**key_for(ctx, GZ1), **JSON}
    mid = visit_with_lines(client, h, p, n=1)
    before = counts(ctx)
    body = b'{"lines": [{"line_id": "D1", "code": "S001", "quantity": "1", "unit_price": "1.00", "unit_price": "90000"}]}'
    r = client.post(f"{API}/visits/{mid}/lines", content=body, headers=h)
    assert r.status_code == 400 and error(r)["code"] == "JSON_DUPLICATE_KEY" and error(r)["field"] == "unit_price"
    assert len(client.get(f"{API}/visits/{mid}", headers=h).json()["lines"]) == 1
    assert counts(ctx) == before


def test_numbers_arrive_exactly_as_written(client: TestClient) -> None:
    bill = json.loads((ROOT / "examples" / "inpatient-referral.json").read_text())
    assert client.post("/api/v1/quote", json=bill).status_code == 200
    # As a float, 10.000000000000000001 is 10.0 and would pass as ten yuan; read exactly, it has 18 decimals.
    bill["lines"][0]["unit_price"] = "UNIT"
    text = json.dumps(bill).replace('"UNIT"', "10.000000000000000001")
    r = client.post("/api/v1/quote", content=text.encode(), headers=JSON)
    assert r.status_code == 422 and error(r)["code"] == "MONEY_PRECISION", r.text
    assert error(r)["field"] == "lines.0.unit_price" and "10.000000000000000001" in error(r)["message_en"]


# --- 429, logout ---------------------------------------------------------------------------------------


def test_rate_limited_logins_say_when_to_retry(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    wrong = {"grant_type": "password", "username": "reviewer-369900", "password": "wrong-password"}
    for _ in range(accounts.MAX_FAILURES):
        assert client.post("/api/v1/auth/token", data=wrong).status_code == 401
    for r in (client.post("/api/v1/auth/token", data=wrong),
              client.post("/api/v1/auth/session", json={"username": "reviewer-369900", "password": DEMO_PASSWORD}),
              client.post("/login", data={"username": "reviewer-369900", "password": DEMO_PASSWORD})):
        assert r.status_code == 429, r.text
        assert 0 < int(r.headers["retry-after"]) <= accounts.WINDOW_SECONDS + 1


def test_logout_needs_the_csrf_token(client: TestClient, demo: dict[str, DemoPerson]) -> None:
    r = client.post("/api/v1/auth/session", json={"username": demo["post_hoc"].id_number, "password": DEMO_PASSWORD})
    assert r.status_code == 200
    sid = client.cookies.get(security.SESSION_COOKIE)
    assert sid
    cfg = client.app.state.auth  # type: ignore[attr-defined]
    for path in ("/api/v1/auth/logout", "/logout"):
        r = client.post(path)  # another site's form could send exactly this
        assert r.status_code == 403, path
        r = client.post(path, headers={security.CSRF_HEADER: security.session_csrf_token(sid, cfg),
                                       "Origin": "https://evil.example"})
        assert r.status_code == 403, path
        assert client.get("/api/v1/filings").status_code == 200  # still signed in
    r = client.post("/api/v1/auth/logout", headers={security.CSRF_HEADER: security.session_csrf_token(sid, cfg)})
    assert r.status_code == 204
    client.cookies.set(security.SESSION_COOKIE, sid)
    assert client.get("/api/v1/filings").status_code == 401


# --- a replayed settle ---------------------------------------------------------------------------------


def test_replayed_settle_answers_the_first_answers_bytes(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 42)
    h = key_for(ctx, GZ1)
    mid = visit_with_lines(client, h, p, n=4)
    quote = client.post(f"{API}/visits/{mid}/pre-settle", json={}, headers=h).json()["quote"]
    upload(client, h, mid, lines(1, prefix="LATE"))  # so the first answer has `changes` to repeat
    body = {"idempotency_key": "replay-bytes-1", "msgid": "H44010000001202603100042", "expected": quote}
    first = client.post(f"{API}/visits/{mid}/settle", json=body, headers=h)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    assert [c["what"] for c in first.json()["changes"]] == ["LINES", "AMOUNTS"]  # one more line: more money
    before = counts(ctx)
    for _ in range(2):
        again = client.post(f"{API}/visits/{mid}/settle", json=body, headers=h)
        assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
        assert again.content == first.content
    assert counts(ctx) == before and ledger.verify(ctx).ok
    # once revoked, a retry says so (it never pays twice); it is not the stale "SETTLED" any more
    setl_id = first.json()["setl_id"]
    assert client.post(f"{API}/settlements/{setl_id}/revoke", json={"reason": "退费"}, headers=h).status_code == 200
    after = client.post(f"{API}/visits/{mid}/settle", json=body, headers=h)
    assert after.json()["status"] == "REVOKED" and after.headers["idempotent-replayed"] == "true"


# --- yidi users add ------------------------------------------------------------------------------------


def test_users_add_refuses_subjects_that_name_nothing(ctx: Context, db: tuple[str, Engine]) -> None:
    url, _ = db
    pw = "long-enough-password"
    before = counts(ctx)
    for role, subject, code in (("agency", "999900", "REGION_NOT_FOUND"), ("clearing", "990000", "REGION_NOT_FOUND"),
                                ("hospital", "H99999999999", "INSTITUTION_NOT_FOUND")):
        with pytest.raises(YidiError) as e:
            accounts.create_user(ctx, f"x-{role}", pw, accounts.AccountRole(role), subject)
        assert e.value.code == code and e.value.field == "subject"
    r = CliRunner().invoke(cli, ["users", "add", "li", "--role", "agency", "--subject", "999900", "--password", pw],
                           env={"YIDI_DATABASE_URL": url})
    assert r.exit_code == 2 and "REGION_NOT_FOUND" in r.output
    assert counts(ctx) == before
    # regions on file: the national clearing scope, a province with regions, a region
    accounts.create_user(ctx, "ok-clearing", pw, accounts.AccountRole.CLEARING, "360000")
    accounts.create_user(ctx, "ok-national", pw, accounts.AccountRole.CLEARING, "000000")
    accounts.create_user(ctx, "ok-agency", pw, accounts.AccountRole.AGENCY, "440300", duties=["reviewer"])
