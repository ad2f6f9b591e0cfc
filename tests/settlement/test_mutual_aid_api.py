"""Family mutual aid at settlement (家庭共济, issue 16 rule 8): a confirmed family member's personal account pays
what the patient's own account left, through the hospital API, on SQLite and PostgreSQL.

The sample pack lets Jiangxi provincial-level employees (369900) use it. Every bill here is 10 lines of the
class-C drug XC01 (2 x 100.00 each): 2,000.00, all self-funded (全自费), so the funds pay 0 and the person's
share is the whole 2,000.00, which the account may pay (scope all_personal).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.settlement.helpers import API, GZ1, Seeded, key_for, register, seed_person, settle, upload
from tests.support.db import TODAY
from yidi.domain.family import Relationship
from yidi.services import family, ledger
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Persons

D = Decimal
CLASS_C = [{"line_id": f"C{i}", "code": "XC01", "quantity": "2", "unit_price": "100.00"} for i in range(10)]


def balance(ctx: Context, p: Seeded) -> Decimal:
    with unit_of_work(ctx.sessions) as s:
        got = Persons(s).get(p.id_number)
        assert got is not None
        return got.account_balance


def link(ctx: Context, requester: Seeded, relative: Seeded, *, confirm: bool = True) -> None:
    """The requester asks to act for the relative, who confirms (or not yet)."""
    family.request_link(ctx, Principal(Role.PERSON, requester.id_number), relative.id_number, relative.name,
                        Relationship.CHILD)
    if confirm:
        mine = family.my_family(ctx, Principal(Role.PERSON, relative.id_number)).awaiting_me
        family.confirm(ctx, Principal(Role.PERSON, relative.id_number), mine[0].link.link_id)


def class_c_visit(client: TestClient, h: dict[str, str], p: Seeded) -> str:
    v = register(client, h, p, "INPATIENT")
    upload(client, h, v["mdtrt_id"], CLASS_C)
    return str(v["mdtrt_id"])


def amounts(s: dict[str, Any]) -> tuple[Decimal, ...]:
    b = s["breakdown"]
    return tuple(D(b[f]) for f in ("psn_part_amt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay"))


def test_a_confirmed_relative_pays_and_revoke_gives_it_back(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    patient, payer = seed_person(ctx, 701, balance="300.00"), seed_person(ctx, 702, balance="5000.00")
    link(ctx, payer, patient)  # the payer (a child) asked, the patient (the parent) confirmed
    mdtrt = class_c_visit(client, h, patient)
    quote = client.post(f"{API}/visits/{mdtrt}/pre-settle", json={"mulaid_payer": payer.id_number}, headers=h)
    assert quote.status_code == 200, quote.text
    s = settle(client, h, mdtrt, key="mulaid-701-1", mulaid_payer=payer.id_number)
    # share 2,000.00: own account 300.00 (all it has), the relative's 2,000 - 300 = 1,700.00, cash 0
    assert amounts(s) == (D("2000.00"), D("300.00"), D("1700.00"), D("0.00"))
    assert D(quote.json()["breakdown"]["acct_mulaid_pay"]) == D("1700.00")
    step = next(x for x in s["breakdown"]["steps"] if x["rule"] == "account.mutual_aid")
    assert step["clause"]["parameter"] == "schemes.EMPLOYEE.account.mutual_aid" and "共济支付 1700.00 元" in step["text_zh"]
    # the relative's balance 5,000 - 1,700 = 3,300.00; the patient's 300 - 300 = 0
    assert (balance(ctx, patient), balance(ctx, payer)) == (D("0.00"), D("3300.00"))
    # a retry with the same key pays nothing more
    again = settle(client, h, mdtrt, key="mulaid-701-1", mulaid_payer=payer.id_number)
    assert again["setl_id"] == s["setl_id"] and balance(ctx, payer) == D("3300.00")
    assert ledger.verify(ctx).ok
    r = client.post(f"{API}/settlements/{s['setl_id']}/revoke", json={"reason": "退费"}, headers=h)
    assert r.status_code == 200, r.text
    # revoke restores both accounts exactly: 0 + 300 = 300.00, 3,300 + 1,700 = 5,000.00
    assert (balance(ctx, patient), balance(ctx, payer)) == (D("300.00"), D("5000.00"))
    assert ledger.verify(ctx).ok


def test_the_relative_pays_only_what_they_have(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    patient, payer = seed_person(ctx, 703, balance="300.00"), seed_person(ctx, 704, balance="1000.00")
    link(ctx, patient, payer)  # the other direction: the patient asked, the payer confirmed
    s = settle(client, h, class_c_visit(client, h, patient), mulaid_payer=payer.id_number)
    # own 300.00, the relative's whole 1,000.00, cash 2,000 - 300 - 1,000 = 700.00; their balance 0, never below
    assert amounts(s) == (D("2000.00"), D("300.00"), D("1000.00"), D("700.00"))
    assert balance(ctx, payer) == D("0.00")
    # the day's reconciliation (3201) counts both accounts as acct_pay: 300 + 1,000 = 1,300.00, so that
    # medfee 2,000.00 = fund 0 + accounts 1,300.00 + cash 700.00 still holds
    body = {"day": TODAY.isoformat(), "count": 1, "medfee_sumamt": "2000.00", "fund_pay_sumamt": "0.00",
            "acct_pay": "1300.00", "cash_payamt": "700.00"}
    r = client.post(f"{API}/reconciliation", json=body, headers=h).json()
    assert r["result"] == "match", r


def test_an_unconfirmed_link_is_refused_and_changes_nothing(ctx: Context, client: TestClient) -> None:
    h = key_for(ctx, GZ1)
    patient, payer = seed_person(ctx, 705, balance="300.00"), seed_person(ctx, 706, balance="5000.00")
    stranger = seed_person(ctx, 707, balance="5000.00")
    link(ctx, payer, patient, confirm=False)  # asked, never confirmed
    mdtrt = class_c_visit(client, h, patient)
    for who in (payer.id_number, stranger.id_number, patient.id_number):
        r = client.post(f"{API}/visits/{mdtrt}/settle", json={"idempotency_key": f"mulaid-{who[-6:]}",
                                                              "mulaid_payer": who}, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "MUTUAL_AID_NO_LINK"
    assert (balance(ctx, patient), balance(ctx, payer), balance(ctx, stranger)) == (D("300.00"), D("5000.00"), D("5000.00"))
    # nothing settled: the visit still settles, without mutual aid: own 300.00, cash 1,700.00
    s = settle(client, h, mdtrt)
    assert amounts(s) == (D("2000.00"), D("300.00"), D("0.00"), D("1700.00"))


def test_a_resident_relative_is_refused(ctx: Context, client: TestClient) -> None:
    from yidi.domain.enums import Scheme

    h = key_for(ctx, GZ1)
    patient, payer = seed_person(ctx, 708, balance="300.00"), seed_person(ctx, 709, scheme=Scheme.RESIDENT)
    link(ctx, payer, patient)
    r = client.post(f"{API}/visits/{class_c_visit(client, h, patient)}/settle",
                    json={"idempotency_key": "mulaid-resident", "mulaid_payer": payer.id_number}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "MUTUAL_AID_REFUSED", r.text
    assert "职工医保" in r.json()["error"]["message_zh"]
    assert balance(ctx, patient) == D("300.00")
