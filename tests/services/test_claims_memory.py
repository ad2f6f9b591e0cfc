"""Manual claim use cases on the in-memory store: the services run without a database (yidi.store.memory).

tests/claims prove the same rules through HTTP on SQLite and PostgreSQL (races included); here they show
that the claim services depend only on the unit of work, and that a refused use case leaves the store
exactly as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.scans import pdf_bytes
from yidi.demo.dataset import demo_id
from yidi.domain.bill import FeeLine
from yidi.domain.claim_rules import ClaimState
from yidi.domain.enums import Category, FilingType, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.family import FamilyLink, LinkState, Relationship, Side
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.domain.validation import validate_model
from yidi.services import claims
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore

TODAY = dt.date(2026, 3, 10)
QIAN = demo_id("360102", "19800101", 11)  # 钱多多, employee of 369900
SUN = demo_id("360102", "19810202", 13)  # 孙小美, employee of 369900
AGENCY = Principal(Role.AGENCY, "369900")
PAPERS = ("credential", "invoice", "fee_list", "bank_card", "discharge_summary", "unfiled_statement")

# Guangzhou (440100) level-2 hospital, inpatient 2026-02-01..05, four lines adding up to 4200.00:
#   XA01 A 10 x 50.00 = 500.00 in scope | S002 B 3000.00: 300.00 pay-first (10 %), 2700.00 in scope
#   XC01 C 200.00 self-funded           | M001 A 20 x 25.00 = 500.00 in scope   -> in scope 3700.00
# 369900 employee, L2 deductible 500.00 per admission, ratio 90 %:
#   unfiled (no filing, no emergency): 20 % of 3700.00 = 740.00 paid first -> 2960.00 - 500.00 = 2460.00,
#     x 90 % = 2214.00
#   filed long-term (no first self-pay):              3700.00 - 500.00 = 3200.00, x 90 % = 2880.00
#   unfiled, S002 excluded: in scope 1000.00, 20 % = 200.00 -> 800.00 - 500.00 = 300.00, x 90 % = 270.00
UNFILED, FILED, AFTER_EXCLUSION = Decimal("2214.00"), Decimal("2880.00"), Decimal("270.00")

LINES = [("1", "XA01", "10", "50.00"), ("2", "S002", "1", "3000.00"), ("3", "XC01", "1", "200.00"),
         ("4", "M001", "20", "25.00")]


def body(**over: Any) -> claims.ClaimIn:
    raw: dict[str, Any] = {
        "visit": {"institution": "H44010000002", "visit_type": "INPATIENT", "admitted_on": "2026-02-01",
                  "discharged_on": "2026-02-05", "diagnosis_code": "J18.9", "diagnosis_name": "肺炎"},
        "invoices": [{"invoice_no": "GZ2026000123", "invoice_date": "2026-02-05", "amount": "4200.00",
                      "payer": "钱多多"}],
        "lines": [{"line_id": i, "code": c, "quantity": q, "unit_price": p} for i, c, q, p in LINES],
        "bank": {"bank_name": "中国银行", "account_no": "6217000012345678", "holder": "钱多多"},
    }
    raw.update(over)
    return validate_model(claims.ClaimIn, raw)


@pytest.fixture
def world(packs, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = MemoryStore()
    ctx = Context.in_memory(packs, lambda: TODAY, store)
    load_reference(ctx)
    for cid, name in ((QIAN, "钱多多"), (SUN, "孙小美")):
        store.tables.persons[cid] = Person(CitizenId(cid), name, "369900", Scheme.EMPLOYEE, Category.ACTIVE)
    return ctx, store, claims.ClaimsConfig(tmp_path)


def person(cid: str = QIAN) -> Principal:
    return Principal(Role.PERSON, cid)


def refused(code: str, fn: Any, *args: Any, **kw: Any) -> YidiError:
    with pytest.raises(YidiError) as exc:
        fn(*args, **kw)
    assert exc.value.code == code, exc.value
    return exc.value


def ready(ctx: Context, config: claims.ClaimsConfig, papers: tuple[str, ...] = PAPERS) -> str:
    no: str = claims.create(ctx, person(), body())["claim_no"]
    for m in papers:
        claims.add_document(ctx, person(), no, m, "scan.pdf", "application/pdf", pdf_bytes(), config)
    return no


def test_a_draft_lists_what_is_missing_and_cannot_be_submitted(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, _config = world
    c = claims.create(ctx, person(), body())
    assert c["state"] == "DRAFT" and c["situations"] == ["INPATIENT", "UNFILED"]
    assert set(c["missing"]) == set(PAPERS)  # the data is complete, every scan is missing
    assert c["deadline"] == "2027-02-05"  # discharge + 365 days (369900 manual_claim.deadline_days)
    assert c["invoice_total"] == c["line_total"] == "4200.00"
    before = copy.deepcopy(store.tables)
    refused("CLAIM_INCOMPLETE", claims.submit, ctx, person(), c["claim_no"])
    assert store.tables == before


def test_submitted_reviewed_approved_and_paid_once(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, config = world
    no = ready(ctx, config)
    assert claims.submit(ctx, person(), no)["state"] == "SUBMITTED"
    assert [i["claim_no"] for i in claims.queue(ctx, AGENCY)["items"]] == [no]
    claims.start_review(ctx, AGENCY, no)
    seen = claims.show(ctx, AGENCY, no)["amounts"]
    assert (seen["payable"], seen["basis"], seen["cross_region_selfpay_amt"]) == (str(UNFILED), "UNFILED", "740.00")
    after = claims.exclude_line(ctx, AGENCY, no, "2", "与住院诊断无关的检查")["amounts"]
    assert (after["payable"], after["excluded"]) == (str(AFTER_EXCLUSION), "3000.00")

    done = claims.approve(ctx, AGENCY, no, "材料齐全")
    assert done["state"] == "APPROVED" and done["amounts"]["final"] is True
    held = next(iter(store.tables.accumulators.values()))
    assert held.version == 1 and held.value.fund_paid["basic"] == AFTER_EXCLUSION  # consumed as a settlement would

    batch = claims.create_batch(ctx, AGENCY)
    assert (batch["count"], batch["total"]) == (1, str(AFTER_EXCLUSION))
    refused("BATCH_EMPTY", claims.create_batch, ctx, AGENCY)
    paid = claims.mark_paid(ctx, AGENCY, batch["batch_no"], "BOC-0001")
    assert paid["status"] == "PAID" and paid["claims"][0]["state"] == "PAID"
    refused("BATCH_ALREADY_PAID", claims.mark_paid, ctx, AGENCY, batch["batch_no"])
    assert sorted((a, amt) for _p, _no, a, amt in store.tables.claim_postings) == sorted(
        [("claimant:1", -AFTER_EXCLUSION), ("fund:hifp_pay:369900", AFTER_EXCLUSION)])
    assert claims.ledger_balances(ctx)["ok"] is True
    history = [e["action"] for e in claims.show(ctx, person(), no)["history"]]
    assert history == ["CREATED", *["DOCUMENT_ADDED"] * len(PAPERS), "SUBMIT", "START_REVIEW", "LINE_EXCLUDED",
                       "APPROVE", "BATCHED", "PAY"]


def test_filed_care_pays_the_normal_ratio_unfiled_care_less(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, config = world
    unfiled = ready(ctx, config)
    claims.submit(ctx, person(), unfiled)
    claims.start_review(ctx, AGENCY, unfiled)
    assert claims.show(ctx, AGENCY, unfiled)["amounts"]["payable"] == str(UNFILED)
    claims.reject(ctx, AGENCY, unfiled, "改按备案后重新申请")  # releases its invoice for the filed claim

    store.tables.filings["BA1"] = FilingRecord(
        "BA1", QIAN, "369900", FilingType.RESIDENT_WORKER, "440100", dt.date(2026, 1, 1), None, FilingStatus.ACTIVE,
        True, (), (), dt.date(2026, 1, 1))
    # filed care needs no statement of why it was not filed; at a hospital networked for it, the hospital's note
    # why it did not settle directly instead
    filed = ready(ctx, config, (*PAPERS[:-1], "failure_note"))
    assert claims.show(ctx, person(), filed)["situations"] == ["INPATIENT", "DIRECT_FAILED"]
    claims.submit(ctx, person(), filed)
    claims.start_review(ctx, AGENCY, filed)
    assert claims.show(ctx, AGENCY, filed)["amounts"]["payable"] == str(FILED)


def test_returned_for_more_then_resubmitted(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store, config = world
    no = ready(ctx, config)
    claims.submit(ctx, person(), no)
    claims.start_review(ctx, AGENCY, no)
    back = claims.return_for_more(ctx, AGENCY, no, claims.ReturnIn(reason="请补充检查报告", asked=["discharge_summary"]))
    assert back["state"] == "RETURNED"
    assert {"discharge_summary", "agency_note"} <= {a["code"] for a in back["asks"]}
    claims.edit(ctx, person(), no, body(bank={"bank_name": "工商银行", "account_no": "6222020000000009",
                                              "holder": "钱多多"}))
    again = claims.submit(ctx, person(), no)
    assert again["state"] == "SUBMITTED" and again["asks"] == [] and again["submitted_on"] == TODAY.isoformat()


def test_a_rejected_claim_releases_its_invoices(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, config = world
    no = ready(ctx, config)
    refused("INVOICE_ALREADY_CLAIMED", claims.create, ctx, person(), body())
    claims.submit(ctx, person(), no)
    refused("REASON_REQUIRED", claims.reject, ctx, AGENCY, no, "")
    assert claims.reject(ctx, AGENCY, no, "非医保范围")["state"] == "REJECTED"
    assert store.tables.claims[no].state is ClaimState.REJECTED
    assert claims.create(ctx, person(), body())["state"] == "DRAFT"


def test_each_sees_only_their_own_and_a_family_link_does_not_cover_claims(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, _config = world
    no = claims.create(ctx, person(), body())["claim_no"]
    store.tables.family_links["L1"] = FamilyLink("L1", SUN, QIAN, Relationship.SPOUSE, LinkState.CONFIRMED,
                                                 TODAY, TODAY, confirmed_by=Side.RELATIVE)
    before = copy.deepcopy(store.tables)
    for who in (person(SUN), Principal(Role.AGENCY, "440100")):
        assert refused("CLAIM_NOT_FOUND", claims.show, ctx, who, no).status == 404
        refused("CLAIM_NOT_FOUND", claims.edit, ctx, who, no, body())
    assert claims.list_claims(ctx, person(SUN))["total"] == 0
    assert refused("MAY_NOT_ACT_FOR_PERSON", claims.create, ctx, person(SUN), body(), QIAN).status == 403
    refused("ROLE_NOT_ALLOWED", claims.approve, ctx, person(), no)
    assert store.tables == before
    assert [i["claim_no"] for i in claims.list_claims(ctx, AGENCY)["items"]] == [no]


def test_a_refused_edit_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store, _config = world
    no = claims.create(ctx, person(), body())["claim_no"]
    before, commits = copy.deepcopy(store.tables), store.commits
    refused("BANK_ACCOUNT_NOT_OWNER", claims.edit, ctx, person(), no,
            body(bank={"bank_name": "工商银行", "account_no": "6222020000000001", "holder": "孙小美"}))
    late = [FeeLine.model_validate({"line_id": "9", "code": "XA01", "quantity": "1", "unit_price": "1.00",
                                    "date": "2026-02-20"})]
    refused("LINE_DATE_OUTSIDE", claims.edit, ctx, person(), no, claims.ClaimIn(lines=late))
    assert store.tables == before and store.commits == commits
    assert store.tables.claims[no].visit_type is VisitType.INPATIENT
