"""Direct settlement use cases on the in-memory store: the services run without a database (yidi.store.memory).

tests/settlement proves the same rules through HTTP on SQLite and PostgreSQL (with the races and the crash);
here they show that register, upload, quote, settle, revoke and reversal depend only on the unit of work,
that a quote or a refusal leaves the store exactly as it was, and that the ledger still verifies.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from yidi.domain.bill import FeeLine, YearAccumulators
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.ledger import without_zeros
from yidi.domain.reference import Person
from yidi.services import ledger
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore

TODAY = dt.date(2026, 3, 10)
CID = "360102195603120312"  # insured in 江西省本级 369900, with a long-term filing to Guangdong
NAME = "张建国"
GZ1 = "H44010000001"  # a Guangzhou hospital networked for outpatient and inpatient care
HOSPITAL = Principal(Role.HOSPITAL, GZ1)


@pytest.fixture
def world(packs):  # type: ignore[no-untyped-def]
    store = MemoryStore()
    ctx = Context.in_memory(packs, lambda: TODAY, store)
    load_reference(ctx)
    store.tables.persons[CID] = Person(CitizenId(CID), NAME, "369900", Scheme.EMPLOYEE, Category.ACTIVE,
                                       InsuranceStatus.ACTIVE, account_balance=Decimal("3000.00"))
    start = TODAY - dt.timedelta(days=400)
    store.tables.filings["BA000000000001"] = FilingRecord(
        "BA000000000001", CID, "369900", FilingType.LONG_TERM_RESIDENT, "440000", start, None, FilingStatus.ACTIVE,
        True, (), (), start)
    return ctx, store


def snapshot(store: MemoryStore) -> object:
    return copy.deepcopy(store.tables)


def a_visit_with_lines(ctx: Context) -> str:
    visit = svc.register_visit(ctx, HOSPITAL, svc.RegisterVisitIn(id_number=CID, name=NAME,
                                                                  visit_type=VisitType.OUTPATIENT))
    # 20 lines, each 2 x 100.00: the bill is 20 x 200.00 = 4,000.00 yuan
    lines = [FeeLine(line_id=f"L{i}", code=["S001", "XA01", "XB01", "S002"][i % 4], quantity=Decimal("2"),
                     unit_price=Decimal("100.00")) for i in range(20)]
    shown = svc.upload_lines(ctx, HOSPITAL, visit.mdtrt_id, svc.UploadLinesIn(lines=lines))
    assert shown.totals["det_item_fee_sumamt"] == "4000.00" and shown.revision == 1
    return visit.mdtrt_id


def balance(store: MemoryStore) -> Decimal:
    return store.tables.persons[CID].account_balance


def test_a_quote_writes_nothing_and_the_settlement_pays_what_it_said(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    mdtrt_id = a_visit_with_lines(ctx)
    before = snapshot(store)
    quote = svc.pre_settle(ctx, HOSPITAL, mdtrt_id, svc.PreSettleIn())
    assert snapshot(store) == before
    assert quote.breakdown["medfee_sumamt"] == "4000.00"
    done = svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001", expected=quote.quote))
    assert done.status == "SETTLED" and done.changes == ()  # nothing moved since the quote
    assert done.breakdown == quote.breakdown
    # the account paid what the quote said: 3000.00 - acct_pay
    assert balance(store) == Decimal("3000.00") - quote.quote.acct_pay


def test_settle_then_revoke_gives_everything_back(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    mdtrt_id = a_visit_with_lines(ctx)
    done = svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001"))
    acct = Decimal(done.breakdown["acct_pay"])
    assert acct > 0 and balance(store) == Decimal("3000.00") - acct
    (held,) = store.tables.accumulators.values()
    assert held.version == 1 and held.value.as_dict() == done.accumulators_after

    revoked = svc.revoke(ctx, HOSPITAL, done.setl_id, svc.RevokeIn(reason="退费"))
    assert revoked.status == "REVOKED"
    assert balance(store) == Decimal("3000.00")  # the account got back what it paid
    (held,) = store.tables.accumulators.values()
    # back to the year before it (the keys it touched stay, at zero)
    assert held.version == 2
    assert without_zeros(held.value) == without_zeros(YearAccumulators.model_validate(done.accumulators_before))
    assert svc.show_visit(ctx, HOSPITAL, mdtrt_id).status == "OPEN"  # the visit may settle again
    # two postings (SETTLE, REVOKE) that each sum to zero and net the settlement to nothing
    report = ledger.verify(ctx)
    assert report.ok, report.problems
    assert (report.settlements, report.postings) == (1, 2)
    assert [a[2] for a in store.tables.audit] == ["VISIT_REGISTER", "LINES_UPLOAD", "SETTLE", "REVOKE"]


def test_a_retry_answers_the_first_answer_and_pays_once(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    mdtrt_id = a_visit_with_lines(ctx)
    first = svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001"))
    paid = balance(store)
    again = svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001"))
    assert again.replayed and again.answer == first.answer  # the same bytes
    assert balance(store) == paid and len(store.tables.settlements) == 1
    with pytest.raises(YidiError) as exc:  # the same key for another request
        svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001", use_account=False))
    assert exc.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_a_refused_settlement_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    visit = svc.register_visit(ctx, HOSPITAL, svc.RegisterVisitIn(id_number=CID, name=NAME,
                                                                  visit_type=VisitType.OUTPATIENT))
    before = snapshot(store)
    with pytest.raises(YidiError) as exc:
        svc.settle(ctx, HOSPITAL, visit.mdtrt_id, svc.SettleIn(idempotency_key="key-0001"))
    assert exc.value.code == "VISIT_NO_LINES"
    assert snapshot(store) == before
    with pytest.raises(YidiError) as other:  # another hospital's visit is not found
        svc.show_visit(ctx, Principal(Role.HOSPITAL, "H44010000002"), visit.mdtrt_id)
    assert other.value.code == "VISIT_NOT_FOUND"


def test_a_reversal_before_the_original_blocks_it(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    mdtrt_id = a_visit_with_lines(ctx)
    blocked = svc.reverse(ctx, HOSPITAL, svc.ReversalIn(omsgid="msg-late"))
    assert blocked.result == "BLOCKED"
    with pytest.raises(YidiError) as exc:
        svc.settle(ctx, HOSPITAL, mdtrt_id, svc.SettleIn(idempotency_key="key-0001", msgid="msg-late"))
    assert exc.value.code == "MSG_REVERSED"
    assert balance(store) == Decimal("3000.00") and not store.tables.settlements


def test_the_person_query_needs_the_name_as_recorded(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    info = svc.person_info(ctx, HOSPITAL, svc.PersonQueryIn(id_number=CID, name=f" {NAME} "))
    assert (info.name, info.balc, info.person_id_number) == (NAME, "3000.00", "360102********0312")
    with pytest.raises(YidiError) as exc:
        svc.person_info(ctx, HOSPITAL, svc.PersonQueryIn(id_number=CID, name="李秀英"))
    assert exc.value.code == "PERSON_NOT_FOUND"


def test_the_persons_history_and_slip_need_no_database(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    first = svc.settle(ctx, HOSPITAL, a_visit_with_lines(ctx), svc.SettleIn(idempotency_key="key-0001"))
    svc.revoke(ctx, HOSPITAL, first.setl_id, svc.RevokeIn(reason="退费"))
    second = svc.settle(ctx, HOSPITAL, a_visit_with_lines(ctx), svc.SettleIn(idempotency_key="key-0002"))
    me = Principal(Role.PERSON, CID)
    found = svc.person_settlements(ctx, me)
    # newest first; the revoked one stays in the history with its reason; 20 lines x 2 x 100.00 = 4,000.00 each
    assert [(i.setl_id, i.status) for i in found.items] == [(second.setl_id, "SETTLED"), (first.setl_id, "REVOKED")]
    assert found.items[1].revoke_reason == "退费" and found.items[0].medfee_sumamt == "4000.00"
    assert found.items[0].institution_name != GZ1 and found.person_name == NAME
    slip = svc.slip(ctx, HOSPITAL, second.setl_id)
    assert slip.person_name == NAME and slip.amounts == {k: v for k, v in second.breakdown.items() if k in slip.amounts}
    with pytest.raises(YidiError) as e:
        svc.slip(ctx, Principal(Role.HOSPITAL, "H44030000001"), second.setl_id)  # another hospital's
    assert e.value.code == "SETTLEMENT_NOT_FOUND"


def test_a_visit_left_unsettled_becomes_a_claim_form_without_a_database(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    me = Principal(Role.PERSON, CID)
    mdtrt_id = a_visit_with_lines(ctx)  # outpatient, eligible: in progress, not a failure yet
    assert svc.unsettled_visits(ctx, me) == []
    with pytest.raises(YidiError) as e:
        svc.claim_values(ctx, me, mdtrt_id)
    assert e.value.code == "MY_VISIT_NOT_FOUND"
    with ctx.uow() as uow:  # the hospital's check had refused it: no direct settlement
        v = uow.visits.by_mdtrt(mdtrt_id)
        assert v is not None
        v.eligible = False
        uow.visits.save(v)
    [found] = svc.unsettled_visits(ctx, me)
    assert found.mdtrt_id == mdtrt_id and found.total == "4000.00"  # 20 lines x 2 x 100.00
    values = svc.claim_values(ctx, me, mdtrt_id)
    assert values["institution"] == GZ1 and len(values["lines"].splitlines()) == 20


def test_a_discharge_date_before_a_stored_line_is_refused_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    # the lines and the visit are built into the bill as stored, not validated again (yidi.domain.trusted); the
    # discharge date a settle request brings is still checked against them
    ctx, store = world
    visit = svc.register_visit(ctx, HOSPITAL, svc.RegisterVisitIn(id_number=CID, name=NAME, visit_type=VisitType.INPATIENT,
                                                                  admitted_on=TODAY - dt.timedelta(days=5)))
    line = FeeLine(line_id="L1", code="XA01", quantity=Decimal("1"), unit_price=Decimal("10.00"),
                   date=TODAY - dt.timedelta(days=1))
    svc.upload_lines(ctx, HOSPITAL, visit.mdtrt_id, svc.UploadLinesIn(lines=[line]))
    before = snapshot(store)
    for attempt in (svc.pre_settle, svc.settle):
        with pytest.raises(YidiError) as exc:
            attempt(ctx, HOSPITAL, visit.mdtrt_id, svc.SettleIn(idempotency_key="key-0001",
                                                                discharge_date=TODAY - dt.timedelta(days=3)))
        assert (exc.value.code, exc.value.problems[0].message_en) == (
            "LINE_DATE_OUTSIDE", "line L1: date 2026-03-09 is outside the visit")
    assert snapshot(store) == before
    done = svc.settle(ctx, HOSPITAL, visit.mdtrt_id, svc.SettleIn(idempotency_key="key-0001", discharge_date=TODAY))
    assert done.status == "SETTLED" and done.breakdown["medfee_sumamt"] == "10.00"
