"""The desk finds its patients (issue 18): GET /api/v1/hospital/visits lists this hospital's visits — today's,
in house, by state, by ID number or name — newest first, ID numbers masked, never another hospital's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from tests.settlement.helpers import API, GZ1, GZ2, key_for, register, seed_person
from tests.support.db import TODAY
from yidi.services.context import Context

TWO_DAYS_AGO = (TODAY - dt.timedelta(days=2)).isoformat()


def listed(c: TestClient, h: dict[str, str], **q: Any) -> list[dict[str, Any]]:
    r = c.get(f"{API}/visits", params=q, headers=h)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_the_desk_lists_its_own_visits_by_what_it_knows(ctx: Context, client: TestClient) -> None:
    p1, p2, p3, p4 = (seed_person(ctx, n) for n in (501, 502, 503, 504))
    h1, h2 = key_for(ctx, GZ1), key_for(ctx, GZ2)
    in_house = register(client, h1, p1, "INPATIENT", admitted_on=TWO_DAYS_AGO)["mdtrt_id"]
    today_out = register(client, h1, p2, "OUTPATIENT")["mdtrt_id"]
    cancelled = register(client, h1, p3, "INPATIENT")["mdtrt_id"]
    assert client.post(f"{API}/visits/{cancelled}/cancel", json={}, headers=h1).status_code == 200
    elsewhere = register(client, h2, p4, "INPATIENT")["mdtrt_id"]

    every = listed(client, h1)
    assert [v["mdtrt_id"] for v in every] == [cancelled, today_out, in_house], "newest first, own visits only"
    assert elsewhere not in str(every) and p4.id_number not in str(every)
    assert all("*" in v["person_id_number"] for v in every), "ID numbers masked"
    assert [v["mdtrt_id"] for v in listed(client, h1, in_house="true")] == [in_house]
    assert [v["mdtrt_id"] for v in listed(client, h1, status="CANCELLED")] == [cancelled]
    assert [v["mdtrt_id"] for v in listed(client, h1, today="true")] == [cancelled, today_out]
    assert [v["mdtrt_id"] for v in listed(client, h1, day=TWO_DAYS_AGO)] == [in_house]
    assert [v["mdtrt_id"] for v in listed(client, h1, id_number=p2.id_number)] == [today_out]
    assert [v["mdtrt_id"] for v in listed(client, h1, name=p1.name)] == [in_house]
    assert [v["mdtrt_id"] for v in listed(client, h1, limit=1)] == [cancelled]
    assert listed(client, h1, id_number=p4.id_number) == [], "another hospital's patient is not found here"
    assert [v["mdtrt_id"] for v in listed(client, h2)] == [elsewhere]


def test_a_bad_filter_is_a_stable_4xx(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    for q in ({"status": "GONE"}, {"limit": "0"}, {"limit": "1000"}, {"id_number": "123"}, {"day": "yesterday"}):
        r = client.get(f"{API}/visits", params=q, headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"], (q, r.text)
