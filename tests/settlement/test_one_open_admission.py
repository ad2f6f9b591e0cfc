"""One open admission per person, across all hospitals (issue 13, item 8), on SQLite and PostgreSQL.

A person admitted two days ago at one hospital and not yet discharge-settled cannot be admitted again —
at another hospital or at the same one — until that admission is settled or revoked there. A refusal is
409 ADMISSION_ALREADY_OPEN on `id_number` and stores nothing. Replaying the same registration (same
hospital, same msgid) is not a second admission; open outpatient visits do not block an admission. On
PostgreSQL, hospitals registering the same person at the same moment: exactly one succeeds.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.settlement.helpers import (
    API,
    GZ1,
    GZ2,
    GZ4,
    SZ1,
    SZ3,
    Seeded,
    key_for,
    lines,
    register,
    seed_person,
    settle,
    upload,
)
from tests.support.db import TODAY
from tests.support.unchanged import assert_unchanged, snapshot, verified
from yidi.domain.enums import VisitType
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.models import VisitRow

TWO_DAYS_AGO = (TODAY - dt.timedelta(days=2)).isoformat()


def admit(c: TestClient, h: dict[str, str], p: Seeded, **extra: object) -> httpx.Response:
    return c.post(f"{API}/visits", json={"id_number": p.id_number, "name": p.name, "visit_type": "INPATIENT",
                                         **extra}, headers=h)


def open_visits(ctx: Context) -> int:
    with unit_of_work(ctx.sessions) as s:
        return s.scalar(select(func.count()).select_from(VisitRow).where(VisitRow.status == "OPEN")) or 0


def test_second_admission_at_another_hospital_is_refused(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 301)
    first = register(client, key_for(ctx, GZ1), p, "INPATIENT", admitted_on=TWO_DAYS_AGO)
    h2 = key_for(ctx, GZ2)
    before = snapshot(ctx)
    r = admit(client, h2, p)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "ADMISSION_ALREADY_OPEN" and err["field"] == "id_number"
    # what the hospital can act on today: which hospital, since when, and what that hospital must do
    assert GZ1 in err["message_zh"] and TWO_DAYS_AGO in err["message_zh"]
    assert "出院结算" in err["message_zh"] and "撤销" in err["message_zh"]
    assert "discharge" in err["message_en"] and "cancel" in err["message_en"]
    assert first["mdtrt_id"] not in r.text, "another hospital's visit number is not shown"
    assert_unchanged(ctx, before)


def test_second_admission_at_the_same_hospital_is_refused(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 302)
    h = key_for(ctx, GZ1)
    first = register(client, h, p, "INPATIENT", admitted_on=TWO_DAYS_AGO, msgid="ADM-1")
    before = snapshot(ctx)
    for extra in ({}, {"msgid": "ADM-2"}, {"admitted_on": TODAY.isoformat()}):
        r = admit(client, h, p, **extra)
        assert r.status_code == 409, (extra, r.text)
        err = r.json()["error"]
        assert err["code"] == "ADMISSION_ALREADY_OPEN" and err["field"] == "id_number"
        assert first["mdtrt_id"] in err["message_zh"], "the hospital is told which of its own visits is open"
    assert_unchanged(ctx, before)


def test_replay_with_the_same_msgid_is_not_a_second_admission(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 303)
    h = key_for(ctx, GZ1)
    first = register(client, h, p, "INPATIENT", msgid="ADM-7")
    before = snapshot(ctx)
    again = admit(client, h, p, msgid="ADM-7")
    assert again.status_code == 201 and again.json()["mdtrt_id"] == first["mdtrt_id"]
    assert_unchanged(ctx, before)
    assert open_visits(ctx) == 1


def test_open_outpatient_visits_do_not_block_an_admission(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 304)
    register(client, key_for(ctx, GZ1), p, "OUTPATIENT")
    register(client, key_for(ctx, GZ2), p, "OUTPATIENT")
    r = admit(client, key_for(ctx, GZ4), p)
    assert r.status_code == 201, r.text
    assert open_visits(ctx) == 3
    verified(ctx)


def test_after_discharge_settlement_a_new_admission_is_allowed(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 305)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    v = register(client, h1, p, "INPATIENT", admitted_on=TWO_DAYS_AGO)
    upload(client, h1, v["mdtrt_id"], lines(5))
    assert admit(client, h2, p).status_code == 409
    settle(client, h1, v["mdtrt_id"])  # the discharge settlement closes the first admission
    r = admit(client, h2, p)
    assert r.status_code == 201, r.text
    assert r.json()["mdtrt_id"] != v["mdtrt_id"]
    verified(ctx)


def test_eligibility_at_the_desk_still_names_the_open_admission(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 306)
    register(client, key_for(ctx, GZ1), p, "INPATIENT", admitted_on=TWO_DAYS_AGO)
    r = client.post("/api/v1/eligibility", json={"id_number": p.id_number, "name": p.name, "institution": GZ2,
                                                 "visit_type": "INPATIENT"}, headers=key_for(ctx, GZ2))
    assert r.status_code == 200
    assert "OPEN_ADMISSION" in [x["code"] for x in r.json()["reasons"]]


# ------------------------------------------------------------------------------------------ PostgreSQL race


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("the race is proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=12, max_overflow=4)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


@pytest.mark.parametrize("round_", range(4))
def test_hospitals_admitting_one_person_at_the_same_moment_admit_once(pg: Context, round_: int) -> None:
    hospitals = [GZ1, GZ2, GZ4, SZ1, SZ3, GZ1]  # five hospitals, one of them twice (two desks of one hospital)
    p = seed_person(pg, 310 + round_)
    start = threading.Barrier(len(hospitals))

    def go(inst: str) -> str:
        start.wait()
        try:
            return svc.register_visit(pg, Principal(Role.HOSPITAL, inst), svc.RegisterVisitIn(
                id_number=p.id_number, name=p.name, visit_type=VisitType.INPATIENT)).mdtrt_id
        except YidiError as exc:
            return exc.code

    with ThreadPoolExecutor(len(hospitals)) as pool:
        out = list(pool.map(go, hospitals))
    admitted = [x for x in out if x.startswith("MD")]
    assert len(admitted) == 1, out
    assert sorted(x for x in out if not x.startswith("MD")) == ["ADMISSION_ALREADY_OPEN"] * (len(hospitals) - 1)
    assert open_visits(pg) == 1
    verified(pg)
