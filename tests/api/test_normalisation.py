"""Issue 13, item 4: what a person would mean is normalised in one place (full-width digits, spaces, x -> X),
the rest is refused with a code naming the field — never stored as sent, never silently ignored.
SQLite and PostgreSQL; a refusal leaves every table as it was, ledger and audit chain verifying."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.test_bounds import problem
from tests.claims.helpers import API as CLAIMS
from tests.claims.helpers import BANK, INVOICES, LINES, VISIT, add_people, me
from tests.clearing.test_clearing import worked_month
from tests.settlement.helpers import API as HOSPITAL
from tests.settlement.helpers import GZ1, key_for, register, seed_person
from tests.support.db import as_
from tests.support.unchanged import counts, unchanged
from yidi.demo.dataset import demo_id
from yidi.domain.ids import check_character
from yidi.services.context import Context
from yidi.services.imports import import_table
from yidi.services.tabular import read_table
from yidi.store.claim_models import ClaimRow
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow
from yidi.store.settlement_models import FeeLineRow

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def raw(client: TestClient, url: str, text: str, headers: dict[str, str]) -> Any:
    """POST a JSON text as written (a client library would turn 1e3 into 1000.0 before sending)."""
    return client.post(url, content=text.encode(), headers={**headers, "Content-Type": "application/json"})


# ------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("quantity", "price", "code", "field"), [
    ("1e3", '"2.00"', "NUMBER_FORMAT", "lines.0.quantity"),  # a JSON number with an exponent
    ('"2"', "2.4e2", "NUMBER_FORMAT", "lines.0.unit_price"),
    ('"2"', '"1_000"', "NUMBER_FORMAT", "lines.0.unit_price"),  # Python would read it as 1000
    ('"1E+2"', '"2.00"', "NUMBER_FORMAT", "lines.0.quantity"),  # was stored as the text 1E+2
    ('"2"', '"NaN"', "NUMBER_FORMAT", "lines.0.unit_price"),
    ('"2"', '"Infinity"', "NUMBER_FORMAT", "lines.0.unit_price"),
    ('"2"', '"abc"', "NOT_A_NUMBER", "lines.0.unit_price"),
    ('"2"', '"2.001"', "MONEY_PRECISION", "lines.0.unit_price"),
])
def test_numbers_in_plain_notation_only(ctx: Context, client: TestClient, quantity: str, price: str, code: str,
                                        field: str) -> None:
    p = seed_person(ctx, 11)
    h = key_for(ctx, GZ1)
    mid = register(client, h, p)["mdtrt_id"]
    text = f'{{"lines": [{{"line_id": "1", "code": "S001", "quantity": {quantity}, "unit_price": {price}}}]}}'
    with unchanged(ctx):
        r = raw(client, f"{HOSPITAL}/visits/{mid}/lines", text, h)
    problem(r, 422, code, field)


def test_bare_nan_is_not_json(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 15)
    h = key_for(ctx, GZ1)
    mid = register(client, h, p)["mdtrt_id"]
    with unchanged(ctx):  # Python's json would read NaN; the API's reader refuses it as JSON
        r = raw(client, f"{HOSPITAL}/visits/{mid}/lines", '{"lines": [{"line_id": "1", "code": "S001", '
                '"quantity": 1, "unit_price": NaN}]}', h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "JSON_SYNTAX", r.text


def test_plain_numbers_are_stored_normalised(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 12)
    h = key_for(ctx, GZ1)
    mid = register(client, h, p)["mdtrt_id"]
    # JSON numbers and full-width digits a person might type are read as the plain number they mean
    text = ('{"lines": [{"line_id": "1", "code": "S001", "quantity": 100, "unit_price": 2.50},'
            ' {"line_id": "2", "code": "S001", "quantity": "１２", "unit_price": "３.５０"}]}')
    r = raw(client, f"{HOSPITAL}/visits/{mid}/lines", text, h)
    assert r.status_code == 200, r.text
    with unit_of_work(ctx.sessions) as s:
        rows = {x.line_id: (x.quantity, x.unit_price_fen, x.amount_fen) for x in s.scalars(select(FeeLineRow))}
    assert rows == {"1": ("100", 250, 25_000), "2": ("12", 350, 4_200)}  # 100 x 2.50 = 250.00; 12 x 3.50 = 42.00


def test_claim_amounts_in_exponent_form_are_refused(ctx: Context, client: TestClient, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path))
    add_people(ctx)
    body = json.dumps({"visit": VISIT, "lines": LINES, "bank": BANK, "invoices": [{**INVOICES[0], "amount": "X"}]})
    for amount in ("1e3", "2.4e2", '"1_000"'):
        with unchanged(ctx):
            r = raw(client, CLAIMS, body.replace('"X"', amount), me())
        problem(r, 422, "NUMBER_FORMAT", "invoices.0.amount")


# ------------------------------------------------------------------------------------------ citizen IDs


def _sheet(tmp_path: Path, rows: list[tuple[str, str]]) -> Any:
    f = tmp_path / "persons.csv"
    f.write_text("身份证号,姓名,参保地,险种\n" + "".join(f"{i},{n},369900,职工\n" for i, n in rows), encoding="utf-8")
    return read_table(f)


def _with_x() -> str:
    """A valid ID whose check character is X: 36010219800101 + a sequence that makes it so."""
    return next(n for seq in range(1, 999) if (n := demo_id("360102", "19800101", seq)).endswith("X"))


def test_full_width_id_import_updates_the_same_person(ctx: Context, tmp_path: Path) -> None:
    cid = _with_x()
    assert import_table(ctx, "persons", _sheet(tmp_path, [(cid, "赵一")])).written == 1
    typed = f" {cid[:6]} {cid[6:14]}\u3000{cid[14:]} ".translate(FULL).replace("Ｘ", "x")  # spaces, full width, x
    report = import_table(ctx, "persons", _sheet(tmp_path, [(typed, "赵一")]))
    assert report.ok and report.written == 1
    with unit_of_work(ctx.sessions) as s:
        assert list(s.scalars(select(PersonRow.citizen_id))) == [cid]  # one person, stored in ASCII with X


@pytest.mark.parametrize(("number", "code"), [
    (demo_id("360102", "21910101", 1), "ID_BIRTH_DATE"),  # born in 2191
    (demo_id("360102", "20270101", 1), "ID_BIRTH_DATE"),  # after today (2026-03-10)
    (demo_id("360102", "18991231", 1), "ID_BIRTH_DATE"),  # before 1900
    (demo_id("000000", "19800101", 1), "ID_REGION"),  # no province 00
    (demo_id("990102", "19800101", 1), "ID_REGION"),  # no province 99
    ("36010219800101002" + check_character("36010219800101002") + "7", "ID_FORMAT"),  # 19 characters
])
def test_importer_refuses_implausible_ids(ctx: Context, tmp_path: Path, number: str, code: str) -> None:
    with unchanged(ctx):
        report = import_table(ctx, "persons", _sheet(tmp_path, [(number, "钱二")]))
    assert [(r.line, [(p.code, p.field) for p in r.problems]) for r in report.rejected] == [(2, [(code, "id_number")])]


def test_an_id_typed_in_full_width_reaches_the_person(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 13)
    h = key_for(ctx, GZ1)
    typed = f"{p.id_number[:6]} {p.id_number[6:]}".translate(FULL)
    r = client.post(f"{HOSPITAL}/visits", json={"id_number": typed, "name": f" {p.name} ", "visit_type": "OUTPATIENT"},
                    headers=h)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/eligibility", json={"id_number": typed, "name": p.name, "institution": "Ｈ44010000001",
                                                 "visit_type": "OUTPATIENT"}, headers=as_("agency", "369900"))
    assert r.status_code == 200 and r.json()["eligible"], r.text


# ------------------------------------------------------------------------------------------ bank accounts and dates


def test_full_width_bank_digits_are_stored_as_digits(ctx: Context, client: TestClient, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIDI_DATA_DIR", str(tmp_path))
    add_people(ctx)
    bank = {**BANK, "account_no": "６２１７\u3000００００－１２３４ ５６７８"}  # as copied from a card, full width
    r = client.post(CLAIMS, json={"visit": VISIT, "invoices": INVOICES, "lines": LINES, "bank": bank}, headers=me())
    assert r.status_code == 201, r.text
    with unit_of_work(ctx.sessions) as s:
        assert list(s.scalars(select(ClaimRow.bank_account))) == ["6217000012345678"]
    with unchanged(ctx):
        r = client.post(CLAIMS, json={"visit": VISIT, "bank": {**BANK, "account_no": "６２１７-ABCD-1234"}}, headers=me())
    problem(r, 422, "BANK_ACCOUNT_FORMAT", "bank.account_no")


def test_no_such_date_says_so(ctx: Context, client: TestClient) -> None:
    p = seed_person(ctx, 14, filing=False)
    body = {"type": "OTHER_TEMPORARY", "treatment_area": "440100", "start": "2026-02-30", "commitment": True,
            "materials": ["credential", "filing_form", "commitment_letter"]}
    with unchanged(ctx):
        r = client.post("/api/v1/filings", json=body, headers=as_("person", p.id_number))
    got = problem(r, 422, "DATE_NOT_EXIST", "start")
    assert "日期不存在" in got["message_zh"] and "no such date" in got["message_en"]


# ------------------------------------------------------------------------------------------ nothing ignored


def test_unknown_accumulator_keys_are_refused(client: TestClient) -> None:
    bill = json.loads((Path(__file__).resolve().parents[2] / "examples" / "inpatient-referral.json").read_text("utf-8"))
    for acc, field in (({"fund_paid": {"no_such_pool": "100.00"}}, "accumulators.fund_paid.no_such_pool"),
                       ({"deductible_paid": {"DENTAL": "100.00"}}, "accumulators.deductible_paid"),
                       ({"layer_paid": {"lottery": "1.00"}}, "accumulators.layer_paid")):
        r = client.post("/api/v1/quote", json={**bill, "accumulators": {"year": 2026, **acc}})
        problem(r, 422, "ACC_KEY_UNKNOWN", field)
    assert client.post("/api/v1/quote", json={**bill, "accumulators": {"year": 2026}}).status_code == 200


def test_institutions_by_chronic_disease(client: TestClient, ctx: Context) -> None:
    r = client.get("/api/v1/institutions", params={"chronic_disease": "M07803", "limit": 500})
    assert r.status_code == 200, r.text
    want = sorted(c for c, i in ctx.packs.institutions.items() if "M07803" in i.chronic_diseases)
    assert [i["code"] for i in r.json()["items"]] == want and len(want) >= 3  # 血液透析: opened by a few only
    both = client.get("/api/v1/institutions", params={"chronic_disease": "M07803", "region": "440100"}).json()
    assert [i["code"] for i in both["items"]] == [c for c in want if ctx.packs.institutions[c].region == "440100"]
    problem(client.get("/api/v1/institutions", params={"chronic_disease": "M99999"}), 422, "CHRONIC_DISEASE_UNKNOWN",
            "chronic_disease")
    page = client.get("/hospitals", params={"chronic_disease": "M07803"})
    assert page.status_code == 200 and all(f'data-code="{c}"' in page.text for c in want)
    assert client.get("/hospitals", params={"chronic_disease": "M99999"}).status_code == 422


def test_clearing_region_must_be_known_and_visible(client: TestClient, ctx: Context) -> None:
    worked_month(ctx)
    sz, clearing = as_("agency", "440300"), as_("clearing", "000000")
    assert client.post("/api/v1/clearing/runs/2026-10", json={}, headers=as_("agency", "110100")).status_code == 200
    before = counts(ctx)
    for params, who, status, code in (({"region": "anything"}, sz, 422, "REGION_UNKNOWN"),
                                      ({"region": "990000"}, clearing, 422, "REGION_UNKNOWN"),
                                      ({"region": "110100"}, sz, 403, "CLEARING_REGION_FORBIDDEN")):
        for path in ("", "/items", "/report.html"):
            r = client.get(f"/api/v1/clearing/runs/2026-10{path}", params=params, headers=who)
            assert r.status_code == status and r.json()["error"]["code"] == code, (path, r.text[:300])
    mine = client.get("/api/v1/clearing/runs/2026-10", params={"region": "440300"}, headers=sz).json()
    narrowed = client.get("/api/v1/clearing/runs/2026-10", params={"region": "440300"}, headers=clearing).json()
    assert mine["pairs"] == narrowed["pairs"] and mine["pairs"]  # the national operator narrowed to 440300
    whole = client.get("/api/v1/clearing/runs/2026-10", headers=clearing).json()
    assert len(whole["pairs"]) > len(narrowed["pairs"])
    assert counts(ctx) == before
