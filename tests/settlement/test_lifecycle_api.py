"""The visit lifecycle at the hospital (issue 18): cancel a mistaken registration (2404/2202), change it (2403),
discharge (2402) and cancel the discharge (2405), on SQLite and PostgreSQL.

What a hospital relies on: a mistaken admission no longer blocks the person everywhere (it is cancelled
and another hospital can admit at once); each transition runs only from the right state and otherwise
answers a stable code and changes nothing; the platform's undo sequence (revoke 2305 → discharge cancel 2405
→ withdraw lines 2302 → admission cancel 2404) works step by step; a msgid replays the first answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.settlement.helpers import API, GZ1, GZ2, key_for, lines, register, seed_person, settle, upload
from tests.support.db import TODAY
from tests.support.unchanged import assert_unchanged, snapshot, verified
from yidi.domain.enums import VisitType
from yidi.domain.errors import YidiError
from yidi.domain.packset import PackSet
from yidi.domain.validation import validate_model
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory

TWO_DAYS_AGO = (TODAY - dt.timedelta(days=2)).isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


def post(c: TestClient, h: dict[str, str], path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return c.post(f"{API}{path}", json=body or {}, headers=h)


def code(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def admit(c: TestClient, h: dict[str, str], p: Any) -> httpx.Response:
    return c.post(f"{API}/visits", json={"id_number": p.id_number, "name": p.name, "visit_type": "INPATIENT",
                                         "admitted_on": TWO_DAYS_AGO}, headers=h)


def test_a_mistaken_admission_is_cancelled_and_frees_the_person(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 401)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    v = admit(client, h1, p).json()
    assert code(admit(client, h2, p)) == (409, "ADMISSION_ALREADY_OPEN")
    r = post(client, h1, f"/visits/{v['mdtrt_id']}/cancel", {"reason": "登记错人", "msgid": "CAN-1"})
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED", r.text
    # the other hospital can admit at once
    assert admit(client, h2, p).status_code == 201
    # the same msgid and body again: the same answer, nothing new; another body with it: refused
    before = snapshot(ctx)
    again = post(client, h1, f"/visits/{v['mdtrt_id']}/cancel", {"reason": "登记错人", "msgid": "CAN-1"})
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"
    assert code(post(client, h1, f"/visits/{v['mdtrt_id']}/cancel", {"reason": "别的", "msgid": "CAN-1"})) == \
        (409, "MSGID_REUSED")
    # without the msgid it is a second cancellation: the wrong state
    r = post(client, h1, f"/visits/{v['mdtrt_id']}/cancel")
    assert code(r) == (409, "VISIT_STATE_NOT_ALLOWED") and "已撤销登记" in r.json()["error"]["message_zh"]
    # a cancelled visit takes no lines and settles nothing
    assert code(post(client, h1, f"/visits/{v['mdtrt_id']}/lines", {"lines": lines(2)})) == (409, "VISIT_CLOSED")
    assert_unchanged(ctx, before)
    # another hospital cannot cancel it (its existence does not leak)
    assert code(post(client, h2, f"/visits/{v['mdtrt_id']}/cancel")) == (404, "VISIT_NOT_FOUND")


def test_cancel_needs_the_lines_withdrawn_first(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 402)
    h = key_for(ctx, GZ1)
    v = register(client, h, p, "OUTPATIENT")
    upload(client, h, v["mdtrt_id"], lines(3))
    before = snapshot(ctx)
    r = post(client, h, f"/visits/{v['mdtrt_id']}/cancel")
    assert code(r) == (409, "VISIT_HAS_LINES") and "3 条" in r.json()["error"]["message_zh"]
    assert_unchanged(ctx, before)
    assert post(client, h, f"/visits/{v['mdtrt_id']}/lines/withdraw").status_code == 200
    assert post(client, h, f"/visits/{v['mdtrt_id']}/cancel").json()["status"] == "CANCELLED"
    verified(ctx)


def test_discharge_settle_and_the_platforms_undo_sequence(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 403)
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    m = admit(client, h1, p).json()["mdtrt_id"]
    upload(client, h1, m, lines(5))
    d = post(client, h1, f"/visits/{m}/discharge", {"discharge_date": YESTERDAY})
    assert d.status_code == 200 and (d.json()["status"], d.json()["discharged_on"]) == ("DISCHARGED", YESTERDAY)
    # discharged but not settled: still an admission (the settlement closes it)
    assert code(admit(client, h2, p)) == (409, "ADMISSION_ALREADY_OPEN")
    assert code(post(client, h1, f"/visits/{m}/discharge")) == (409, "VISIT_STATE_NOT_ALLOWED")
    assert code(post(client, h1, f"/visits/{m}/cancel")) == (409, "VISIT_STATE_NOT_ALLOWED")
    s = settle(client, h1, m)
    shown = client.get(f"{API}/visits/{m}", headers=h1).json()
    assert (shown["status"], shown["discharged_on"]) == ("SETTLED", YESTERDAY), "settles on the discharge day"
    r = post(client, h1, f"/visits/{m}/discharge/cancel")
    assert code(r) == (409, "VISIT_STATE_NOT_ALLOWED") and "结算撤销" in r.json()["error"]["message_zh"]
    # undo: 2305 → 2405 → 2302 → 2404
    assert post(client, h1, f"/settlements/{s['setl_id']}/revoke", {"reason": "退费"}).status_code == 200
    assert client.get(f"{API}/visits/{m}", headers=h1).json()["status"] == "DISCHARGED"
    back = post(client, h1, f"/visits/{m}/discharge/cancel")
    assert (back.json()["status"], back.json()["discharged_on"]) == ("OPEN", None)
    assert code(post(client, h1, f"/visits/{m}/discharge/cancel")) == (409, "VISIT_STATE_NOT_ALLOWED")
    assert post(client, h1, f"/visits/{m}/lines/withdraw").status_code == 200
    assert post(client, h1, f"/visits/{m}/cancel").json()["status"] == "CANCELLED"
    assert admit(client, h2, p).status_code == 201
    verified(ctx)


def test_discharge_is_for_admissions_on_a_day_between_admission_and_today(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 404)
    h = key_for(ctx, GZ1)
    out = register(client, h, p, "OUTPATIENT")["mdtrt_id"]
    m = admit(client, h, p).json()["mdtrt_id"]
    before = snapshot(ctx)
    assert code(post(client, h, f"/visits/{out}/discharge")) == (409, "VISIT_TYPE_NOT_ALLOWED")
    assert code(post(client, h, f"/visits/{out}/discharge/cancel")) == (409, "VISIT_TYPE_NOT_ALLOWED")
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert code(post(client, h, f"/visits/{m}/discharge", {"discharge_date": tomorrow})) == (422, "DATE_IN_FUTURE")
    three_days_ago = (TODAY - dt.timedelta(days=3)).isoformat()
    assert code(post(client, h, f"/visits/{m}/discharge", {"discharge_date": three_days_ago})) == (422, "DATE_ORDER")
    assert_unchanged(ctx, before)


def test_change_corrects_the_admission_day_unless_a_line_is_earlier(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 405)
    h = key_for(ctx, GZ1)
    m = admit(client, h, p).json()["mdtrt_id"]
    upload(client, h, m, lines(2, date=TWO_DAYS_AGO))
    r = post(client, h, f"/visits/{m}/change", {"admitted_on": (TODAY - dt.timedelta(days=5)).isoformat(),
                                                 "emergency": True, "msgid": "CHG-1"})
    assert r.status_code == 200, r.text
    assert (r.json()["admitted_on"], r.json()["emergency"], r.json()["eligible"]) == \
        ((TODAY - dt.timedelta(days=5)).isoformat(), True, True)
    before = snapshot(ctx)
    r = post(client, h, f"/visits/{m}/change", {"admitted_on": YESTERDAY})  # the lines are two days old
    assert code(r) == (422, "LINE_DATE_OUTSIDE")
    assert_unchanged(ctx, before)
    settle(client, h, m)
    assert code(post(client, h, f"/visits/{m}/change", {"emergency": False})) == (409, "VISIT_STATE_NOT_ALLOWED")


# ------------------------------------------------------------------------------------------ PostgreSQL races


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("the races are proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=8, max_overflow=4)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


def _race(*calls: Any) -> list[str]:
    start = threading.Barrier(len(calls))

    def go(call: Any) -> str:
        start.wait()
        try:
            out = call()
            return str(getattr(out, "status", "OK"))
        except YidiError as exc:
            return exc.code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


@pytest.mark.parametrize("round_", range(3))
def test_cancel_racing_a_line_upload_never_leaves_lines_on_a_cancelled_visit(pg: Context, round_: int) -> None:
    p = seed_person(pg, 410 + round_)
    hosp = Principal(Role.HOSPITAL, GZ1)
    m = svc.register_visit(pg, hosp, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                          visit_type=VisitType.INPATIENT)).mdtrt_id
    batch = validate_model(svc.UploadLinesIn, {"lines": lines(3)})
    out = _race(lambda: svc.cancel_visit(pg, hosp, m, svc.CancelVisitIn()),
                lambda: svc.upload_lines(pg, hosp, m, batch))
    # either the cancel came first (the upload finds the visit cancelled) or the upload did (the cancel
    # finds lines): never both
    assert out in (["CANCELLED", "VISIT_CLOSED"], ["VISIT_HAS_LINES", "OPEN"]), out
    verified(pg)


@pytest.mark.parametrize("round_", range(3))
def test_two_desks_cancelling_one_admission_cancel_it_once(pg: Context, round_: int) -> None:
    p = seed_person(pg, 420 + round_)
    hosp = Principal(Role.HOSPITAL, GZ1)
    m = svc.register_visit(pg, hosp, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                          visit_type=VisitType.INPATIENT)).mdtrt_id
    out = _race(*[lambda: svc.cancel_visit(pg, hosp, m, svc.CancelVisitIn())] * 3)
    assert sorted(out) == ["CANCELLED", "VISIT_STATE_NOT_ALLOWED", "VISIT_STATE_NOT_ALLOWED"], out
    # and the same msgid from two desks at once: one cancellation, the other the replay of it
    m2 = svc.register_visit(pg, hosp, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                           visit_type=VisitType.INPATIENT)).mdtrt_id
    out = _race(*[lambda: svc.cancel_visit(pg, hosp, m2, svc.CancelVisitIn(msgid="CAN-RACE"))] * 2)
    assert out == ["CANCELLED", "CANCELLED"], out
    verified(pg)
