"""Personal data over HTTP (issue 8): diagnoses only for the roles that need them, names and ID numbers
masked in every list, and ID numbers, names and bank accounts masked in every log line."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.claims.helpers import AGENCY, API, QIAN, add_people, error, me, submitted
from tests.support.db import as_
from yidi.demo.dataset import DemoPerson
from yidi.domain.ids import mask_id
from yidi.services.context import Context


def staff(*duties: str) -> dict[str, str]:
    return {**as_("agency", "369900"), "X-Yidi-Duties": ",".join(duties)}


def test_diagnosis_only_for_roles_that_need_it(client: TestClient, ctx: Context) -> None:
    add_people(ctx)
    no = submitted(client)
    # the person, reviewers and payers (and staff holding every duty) see the diagnosis
    for who in (me(), AGENCY, staff("reviewer"), staff("payer"), staff("administrator", "payer")):
        v = client.get(f"{API}/{no}", headers=who).json()["visit"]
        assert (v["diagnosis_code"], v["diagnosis_name"], v["diagnosis_hidden"]) == ("J18.9", "肺炎", False), who
    # staff with only the administrator duty see the claim, not the diagnosis
    r = client.get(f"{API}/{no}", headers=staff("administrator"))
    assert r.status_code == 200 and r.json()["visit"]["diagnosis_hidden"] is True
    assert "肺炎" not in r.text and "J18.9" not in r.text
    assert "肺炎" not in client.get(API, headers=staff("administrator")).text
    # hospitals and clearing operators do not see claims at all
    error(client.get(f"{API}/{no}", headers=as_("hospital", "H44010000002")), 403, "ROLE_NOT_ALLOWED")
    error(client.get(f"{API}/{no}", headers=as_("clearing", "000000")), 403, "ROLE_NOT_ALLOWED")
    # the answer of an action is a view too: a reviewer starting the review sees it
    r = client.post(f"{API}/{no}/review", headers=staff("reviewer"))
    assert r.status_code == 200 and r.json()["visit"]["diagnosis_name"] == "肺炎"
    # lists carry no diagnosis at all
    assert "肺炎" not in client.get(f"{API}/queue", headers=staff("reviewer")).text
    assert "肺炎" not in client.get(API, headers=AGENCY).text
    # the person's own export keeps it (it is their data)
    export = client.get("/api/v1/me/export", headers=me())
    assert export.status_code == 200 and "肺炎" in export.text


def _masked_name(name: str) -> bool:
    return name[:1] + "*" * (len(name) - 1) == name if len(name) > 1 else True


def test_lists_mask_names_and_ids(client: TestClient, ctx: Context, demo: dict[str, DemoPerson]) -> None:
    add_people(ctx)
    no = submitted(client)
    lists = {"claims (person)": client.get(API, headers=me()).json()["items"],
             "claims (agency)": client.get(API, headers=AGENCY).json()["items"],
             "queue": client.get(f"{API}/queue", headers=staff("reviewer")).json()["items"]}
    for what, items in lists.items():
        assert items, what
        for it in items:
            assert it["person_name"] == "钱**" and it["person_id_number"] == mask_id(QIAN), (what, it)
    assert QIAN not in client.get(API, headers=AGENCY).text
    # filing lists: names and ID numbers masked; the single record keeps the name
    filings = client.get("/api/v1/filings", headers=AGENCY).json()["items"]
    assert filings
    names = {p.name for p in demo.values()}
    for f in filings:
        assert f["person_name"] not in names and _masked_name(f["person_name"]), f
        assert "*" in f["person_id_number"]
    one = client.get(f"/api/v1/filings/{filings[0]['filing_id']}", headers=AGENCY).json()
    assert one["person_name"] in names
    # the payment batch list: payee and account masked (the bank file itself carries them in full)
    client.post(f"{API}/{no}/review", headers=AGENCY)
    assert client.post(f"{API}/{no}/approve", headers=AGENCY).status_code == 200
    batch = client.post(f"{API}/batches", headers=staff("payer"))
    assert batch.status_code in (200, 201), batch.text
    row = batch.json()["claims"][0]
    assert row["payee_name"] == "钱**" and row["bank_account"].endswith("5678") and "1234" not in row["bank_account"]
    shown = client.get(f"{API}/batches/{batch.json()['batch_no']}", headers=staff("payer"))
    assert "钱多多" not in shown.text and "6217000012345678" not in shown.text


def test_log_lines_mask_id_numbers_names_and_accounts(client: TestClient, ctx: Context,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    add_people(ctx)
    # an operator turning on SQL logging must not spill personal data: every parameter is in these lines
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.set_level(logging.INFO, logger="yidi")
    r = client.post(API, json={"visit": {"institution": "H44010000002", "visit_type": "INPATIENT",
                                         "admitted_on": "2026-02-01", "discharged_on": "2026-02-05",
                                         "diagnosis_name": "肺炎"},
                               "id_number": QIAN,
                               "bank": {"bank_name": "中国银行", "account_no": "6217000012345678", "holder": "钱多多"}},
                    headers=AGENCY)
    assert r.status_code == 201, r.text
    logging.getLogger("yidi.test").warning("window claim for %s, account_no=%s, holder=%s, phone 13912345678",
                                           QIAN, "62170000123456789012", "钱多多")
    text = caplog.text
    assert "sqlalchemy" in text and mask_id(QIAN) in text  # SQL was logged, the ID number only masked
    for secret in (QIAN, "6217000012345678", "62170000123456789012", "钱多多", "13912345678"):
        assert secret not in text, secret
    assert "5678" in text and "钱**" in text and "139****5678" in text
    # the records themselves are masked (any handler, not only this one, gets the masked text)
    assert all(QIAN not in rec.getMessage() for rec in caplog.records)


def test_masking_keeps_uvicorn_access_lines_formattable() -> None:
    # uvicorn's access formatter unpacks record.args (client, method, path, version, status); masking
    # must keep that shape, and still hide an ID number in the path.
    import logging

    from uvicorn.logging import AccessFormatter

    from yidi.services.personal_data import mask_record

    fmt = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    plain = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                              ("127.0.0.1:5000", "GET", "/api/v1/health", "1.1", 200), None)
    assert fmt.format(mask_record(plain)) == '127.0.0.1:5000 - "GET /api/v1/health HTTP/1.1" 200 OK'
    with_id = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                ("127.0.0.1:5000", "GET", "/x?id=360426199101010071", "1.1", 200), None)
    line = fmt.format(mask_record(with_id))
    assert "360426199101010071" not in line and line.endswith('HTTP/1.1" 200 OK')
