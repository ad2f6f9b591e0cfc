"""Issue 13 item 2: no install signs tokens with a published key, and a token only counts while its account
row agrees with it (role, subject, duties), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.db import TODAY, new_database
from yidi.app import create_app
from yidi.cli import app as cli
from yidi.demo.accounts import DEMO_PASSWORD
from yidi.demo.dataset import DemoPerson, load_demo
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet
from yidi.http import security
from yidi.http.auth_config import AuthConfig, load_or_create_secret, secret_file_for
from yidi.http.tokens import issue_token, read_token
from yidi.services import accounts, hospital_keys
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store import migrate
from yidi.store.auth_models import UserRow
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import FilingRow
from yidi.store.settlement_models import AuditRow

# The key every earlier release signed with when YIDI_SECRET_KEY was unset: it was in the source, so anyone
# could sign "agency administrator" with it.
PUBLISHED_KEY = b"yidi-development-key-NOT-FOR-PRODUCTION"
ADMIN = Principal(Role.AGENCY, "369900", frozenset(Duty), "agency-369900")


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIDI_SECRET_KEY", raising=False)
    # failed logins are counted in the database, which every test starts clean
    security.forget_accounts()


@pytest.fixture
def app_client(ctx: Context, demo: dict[str, DemoPerson]) -> Iterator[TestClient]:
    # the configuration a real start gets from the environment (tests/conftest.py turns dev headers on)
    with TestClient(create_app(ctx=ctx)) as c:
        yield c


def user_id(ctx: Context, username: str) -> int:
    with unit_of_work(ctx.sessions) as s:
        uid = s.scalar(select(UserRow.id).where(UserRow.username == username))
    assert uid is not None
    return uid


def stored(ctx: Context) -> tuple[int, int]:
    with unit_of_work(ctx.sessions) as s:
        return (s.scalar(select(func.count()).select_from(FilingRow)) or 0,
                s.scalar(select(func.count()).select_from(AuditRow)) or 0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(c: TestClient, username: str) -> str:
    r = c.post("/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def filing_body(person: DemoPerson) -> dict[str, object]:
    # refused before the body matters: authentication is checked first
    return {"id_number": person.id_number, "filing_type": "OTHER_TEMPORARY", "consent": True}


def test_token_signed_with_the_published_key_is_refused(app_client: TestClient, ctx: Context,
                                                        demo: dict[str, DemoPerson]) -> None:
    cfg: AuthConfig = app_client.app.state.auth  # type: ignore[attr-defined]
    assert PUBLISHED_KEY not in cfg.secret and len(cfg.secret) >= 32
    forged, _ = issue_token(AuthConfig(PUBLISHED_KEY), ADMIN, account=f"u:{user_id(ctx, 'agency-369900')}")
    before = stored(ctx)
    r = app_client.get("/api/v1/filings", headers=bearer(forged))
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_INVALID"
    r = app_client.post("/api/v1/filings", headers=bearer(forged), json=filing_body(demo["post_hoc"]))
    assert r.status_code == 401 and r.json()["error"]["field"] == "Authorization"
    assert stored(ctx) == before


def test_signed_token_claiming_more_than_its_account_is_refused(app_client: TestClient, ctx: Context,
                                                                demo: dict[str, DemoPerson]) -> None:
    cfg: AuthConfig = app_client.app.state.auth  # type: ignore[attr-defined]
    person = demo["post_hoc"]
    pid = user_id(ctx, person.id_number)
    other = demo["retiree_resettled"].id_number
    lies = [
        Principal(Role.AGENCY, "369900", frozenset(Duty), person.id_number),  # a person's account claiming agency
        Principal(Role.PERSON, other, frozenset(), person.id_number),  # ... claiming another person
        Principal(Role.PERSON, person.id_number, frozenset(), "agency-369900"),  # ... under another user name
    ]
    before = stored(ctx)
    for claim in lies:
        tok, _ = issue_token(cfg, claim, account=f"u:{pid}")
        assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 401, claim
        r = app_client.post("/api/v1/filings", headers=bearer(tok), json=filing_body(demo["retiree_resettled"]))
        assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_INVALID", claim
    # a payer claiming the administrator duty as well
    payer = Principal(Role.AGENCY, "369900", frozenset({Duty.PAYER, Duty.ADMINISTRATOR}), "payer-369900")
    tok, _ = issue_token(cfg, payer, account=f"u:{user_id(ctx, 'payer-369900')}")
    assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 401
    assert stored(ctx) == before
    # the honest token of the same person works and shows the row's principal
    me = app_client.get("/api/v1/auth/me", headers=bearer(token_for(app_client, person.id_number))).json()
    assert me["role"] == "person" and me["user"] == person.id_number


def test_principal_is_the_account_rows_current_one(app_client: TestClient, ctx: Context) -> None:
    old = token_for(app_client, "payer-369900")
    assert app_client.get("/api/v1/claims/queue", headers=bearer(old)).status_code == 403  # payer: not a reviewer
    with unit_of_work(ctx.sessions) as s:  # an administrator changed the duties (from another process)
        row = s.scalars(select(UserRow).where(UserRow.username == "payer-369900")).one()
        row.duties = "payer,reviewer"
    security.forget_accounts()  # what the short cache does by itself within seconds
    r = app_client.get("/api/v1/auth/me", headers=bearer(old))
    assert r.status_code == 401 and "log in again" in r.json()["error"]["message_en"]
    new = token_for(app_client, "payer-369900")
    assert app_client.get("/api/v1/auth/me", headers=bearer(new)).json()["duties"] == ["payer", "reviewer"]
    assert app_client.get("/api/v1/claims/queue", headers=bearer(new)).status_code == 200


def test_disabled_account_and_revoked_key_stop_at_once(app_client: TestClient, ctx: Context) -> None:
    tok = token_for(app_client, "reviewer-369900")
    assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 200
    accounts.set_active(ctx, "reviewer-369900", False)  # no cache clearing by the test: the service does it
    assert app_client.get("/api/v1/auth/me", headers=bearer(tok)).status_code == 401
    r = app_client.post("/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "demoH44010000001",
                                                    "client_secret": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    key_token = r.json()["access_token"]
    me = app_client.get("/api/v1/auth/me", headers=bearer(key_token)).json()
    assert me == {"role": "hospital", "subject": "H44010000001", "duties": [], "user": "key:demoH44010000001"}
    hospital_keys.revoke_key(ctx, "demoH44010000001")
    assert app_client.get("/api/v1/auth/me", headers=bearer(key_token)).status_code == 401


# --- where the secret comes from ------------------------------------------------------------------------


def test_secret_file_is_made_private_and_reused_across_restarts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'yidi.db'}"
    first = AuthConfig.from_env(url)
    path = tmp_path / "data" / "yidi.db.secret"
    assert secret_file_for(url) == path and first.source == f"file:{path}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret) >= 32 and first.secret == path.read_bytes().strip()
    again = AuthConfig.from_env(url)  # the next start
    assert again.secret == first.secret
    tok, _ = issue_token(first, ADMIN, account="u:1")
    assert read_token(again, tok)[0] == ADMIN  # a token survives the restart
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]  # no temporary file left behind


def test_tokens_survive_a_restart_of_the_app(tmp_path: Path, packs: PackSet) -> None:
    _url, engine, _ = new_database("sqlite", tmp_path)  # the embedded store the secret file belongs to
    migrate.upgrade(engine)
    ctx = Context(engine, session_factory(engine), packs, lambda: TODAY)
    load_reference(ctx)
    load_demo(ctx)
    with TestClient(create_app(ctx=ctx)) as first:
        tok = token_for(first, "agency-369900")
    with TestClient(create_app(ctx=ctx)) as second:
        assert second.get("/api/v1/auth/me", headers=bearer(tok)).json()["user"] == "agency-369900"
    engine.dispose()


def test_concurrent_first_starts_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "yidi.db.secret"
    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(load_or_create_secret(path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len(set(got)) == 1


def test_open_short_or_odd_secret_files_refuse_to_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yidi.db'}"
    path = tmp_path / "yidi.db.secret"
    AuthConfig.from_env(url)
    os.chmod(path, 0o644)
    with pytest.raises(YidiError) as e:
        AuthConfig.from_env(url)
    assert e.value.code == "CONFIG_SECRET_PERMISSIONS" and "chmod 600" in e.value.message_en
    # `yidi serve` says so and stops, before touching anything else
    r = CliRunner().invoke(cli, ["serve", "--no-demo"], env={"YIDI_DATABASE_URL": url})
    assert r.exit_code == 2 and "CONFIG_SECRET_PERMISSIONS" in r.output
    path.write_bytes(b"too-short\n")
    os.chmod(path, 0o600)
    with pytest.raises(YidiError) as e:
        AuthConfig.from_env(url)
    assert e.value.code == "CONFIG_SECRET_WEAK"
    path.unlink()
    path.mkdir()
    with pytest.raises(YidiError) as e:
        AuthConfig.from_env(url)
    assert e.value.code == "CONFIG_SECRET_FILE"


def test_memory_postgres_and_environment_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    pg = "postgresql+psycopg://x@127.0.0.1/db"
    one, two = AuthConfig.from_env("sqlite://"), AuthConfig.from_env("sqlite:///:memory:")
    assert one.source == two.source == "process" and one.secret != two.secret  # random, per process
    monkeypatch.delenv("YIDI_DEV_HEADERS", raising=False)
    with pytest.raises(YidiError) as e:
        AuthConfig.from_env(pg)
    assert e.value.code == "CONFIG_SECRET_MISSING" and "YIDI_SECRET_KEY" in e.value.message_en
    monkeypatch.setenv("YIDI_DEV_HEADERS", "1")  # anyone may claim any role then; still no published key
    dev = AuthConfig.from_env(pg)
    assert dev.source == "process" and PUBLISHED_KEY not in dev.secret
    monkeypatch.setenv("YIDI_SECRET_KEY", "short")
    with pytest.raises(YidiError) as e:
        AuthConfig.from_env(pg)
    assert e.value.code == "CONFIG_SECRET_WEAK"
    monkeypatch.setenv("YIDI_SECRET_KEY", "a-long-enough-production-secret")
    cfg = AuthConfig.from_env(pg)
    assert cfg.source == "env" and cfg.secret == b"a-long-enough-production-secret"
