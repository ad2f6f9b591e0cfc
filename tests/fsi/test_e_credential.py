"""医保电子凭证 (issue 18): the person shows a short-lived code (出示医保码); the desk or the HIS redeems it once.

A redeemed code names the person (1101 without typing the ID number); the same code again is
CREDENTIAL_REPLAYED, an old one CREDENTIAL_EXPIRED, a changed or foreign one CREDENTIAL_INVALID; none of
them changes anything. On PostgreSQL, two desks scanning one code at the same moment: exactly one wins.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.db import TODAY, as_
from tests.support.unchanged import assert_unchanged, snapshot
from yidi.demo.dataset import DemoPerson, demo_id
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet
from yidi.services import credentials
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory

CID = demo_id("360102", "19560312", 31)  # 张建国, the demo retiree resettled in Shenzhen
PERSON = as_("person", CID)
HOSPITAL = as_("hospital", "H44030000001")
REDEEM = "/api/v1/hospital/credentials/redeem"


def code(client: TestClient) -> str:
    r = client.post("/api/v1/me/credential", headers=PERSON)
    assert r.status_code == 200, r.text
    assert r.json()["seconds"] == 300 and CID not in r.text, "the code names nobody"
    return str(r.json()["token"])


def test_a_code_is_redeemed_once(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    token = code(client)
    r = client.post(REDEEM, json={"token": token}, headers=HOSPITAL)
    assert r.status_code == 200, r.text
    assert (r.json()["id_number"], r.json()["name"], r.json()["insured_region"]) == (CID, "张建国", "369900")
    before = snapshot(ctx)
    again = client.post(REDEEM, json={"token": token}, headers=HOSPITAL)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "CREDENTIAL_REPLAYED")
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    bad = client.post(REDEEM, json={"token": changed}, headers=HOSPITAL)
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "CREDENTIAL_INVALID")
    assert_unchanged(ctx, before)


def test_an_old_code_is_expired(ctx: Context, client: TestClient, demo: dict[str, DemoPerson]) -> None:
    key = client.app.state.auth.key("e-credential")  # type: ignore[attr-defined]
    six_minutes_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
    old = credentials.issue(ctx, Principal(Role.PERSON, CID), key, clock=lambda: six_minutes_ago)
    r = client.post(REDEEM, json={"token": old.token}, headers=HOSPITAL)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "CREDENTIAL_EXPIRED")
    # a code signed with another key (another yidi) is not ours
    foreign = credentials.issue(ctx, Principal(Role.PERSON, CID), b"another secret")
    r = client.post(REDEEM, json={"token": foreign.token}, headers=HOSPITAL)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "CREDENTIAL_INVALID")


def test_the_his_reads_the_code_then_admits_by_psn_no(ctx: Context, client: TestClient,
                                                       demo: dict[str, DemoPerson]) -> None:
    def fsi(infno: str, inp: Any, msgid: str | None = None) -> dict[str, Any]:
        body = {"infno": infno, "msgid": msgid, "input": inp}
        return dict(client.post("/api/v1/fsi", content=json.dumps(body).encode(), headers=HOSPITAL).json())

    token = code(client)
    read = fsi("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}})
    assert read["infcode"] == 0, read
    base = read["output"]["baseinfo"]
    assert (base["psn_no"], base["psn_name"]) == (CID, "张建国")
    admitted = fsi("2401", {"mdtrtinfo": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token, "psn_no": base["psn_no"],
                                          "psn_name": base["psn_name"], "begntime": f"{TODAY} 09:00:00"}}, "M-EC-1")
    assert admitted["infcode"] == 0, admitted
    replay = fsi("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": token}})
    assert (replay["infcode"], replay["err_code"]) == (-1, "CREDENTIAL_REPLAYED")


def test_the_persons_page_shows_the_code_as_a_qr(ctx: Context, client: TestClient,
                                                 demo: dict[str, DemoPerson]) -> None:
    r = client.get("/me/credential", headers=PERSON)
    assert r.status_code == 200 and "<svg" in r.text and "出示" in r.text
    assert r.headers["cache-control"] == "no-store" and CID not in r.text
    assert client.get("/me/credential", headers=HOSPITAL).status_code == 403


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("the race is proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=8, max_overflow=4)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


@pytest.mark.parametrize("round_", range(3))
def test_two_desks_scanning_one_code_at_once_redeem_it_once(pg: Context, demo: dict[str, DemoPerson],
                                                            round_: int) -> None:
    key = b"test key"
    token = credentials.issue(pg, Principal(Role.PERSON, CID), key).token
    desks = ["H44030000001", "H44030000003", "H44030000001", "H44030000004"]
    start = threading.Barrier(len(desks))

    def go(inst: str) -> str:
        start.wait()
        try:
            return credentials.redeem(pg, Principal(Role.HOSPITAL, inst), token, key)[0]
        except YidiError as exc:
            return exc.code

    with ThreadPoolExecutor(len(desks)) as pool:
        out = list(pool.map(go, desks))
    assert sorted(out) == sorted([CID] + ["CREDENTIAL_REPLAYED"] * (len(desks) - 1)), out
