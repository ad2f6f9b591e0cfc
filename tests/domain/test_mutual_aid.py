"""Family mutual aid (家庭共济, issue 16 rule 8): worked examples of the domain rule, each computed by hand.

The pack is tests/domain/packs.py (deductible 800, 85 %): a 10,000 inpatient bill of a Nanchang employee with a
long-term filing, treated in Guangzhou, leaves the person (10,000 - 800) x 15 % + 800 = 2,180.00 to pay.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.domain.packs import make_packs
from tests.domain.test_worked_examples import CHILD_ID, EMP2_ID, identities, make_bill
from yidi.domain.account_policy import Account
from yidi.domain.engine import calculate
from yidi.domain.engine.context import Ctx
from yidi.domain.engine.mutual_aid import mutual_aid_pay
from yidi.domain.enums import Scheme
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person


def D(s: str) -> Decimal:
    return Decimal(s)


def aid(tmp_path: Path, account: dict[str, Any], own: str, relative: dict[str, Any], payable: str
        ) -> tuple[Decimal, Decimal, Decimal, Decimal, str]:
    """(acct_pay, what the relative's account pays, their balance after, cash left, the step's zh text)."""
    packs = make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"account": {"may_pay": True, **account}}}})
    bill = make_bill([("A01", "1", "10000.00")], person={"account_balance": own}, accumulators={"year": 2025})
    b = calculate(bill, packs)
    identities(b)
    assert b.hifp_pay == D("7820.00") and b.psn_part_amt == D("2180.00")
    person = bill.person.to_person()
    rel = Person(CitizenId(EMP2_ID), "李四", **{"insured_region": person.insured_region,
                                                "scheme": Scheme.EMPLOYEE, **relative})
    found = packs.policy_for(person.insured_region, bill.day)
    assert found is not None
    version = found[1]
    ctx = Ctx(packs, person.insured_region, version.effective_from.isoformat())
    got = mutual_aid_pay(b, person, rel, version.schemes[Scheme.EMPLOYEE].account, D(payable), ctx, version)
    assert got.step.rule == "account.mutual_aid"
    assert got.step.clause is not None and got.step.clause.parameter == "schemes.EMPLOYEE.account.mutual_aid"
    cash = b.psn_part_amt - b.acct_pay - got.pay
    assert got.pay >= 0 and got.balc >= 0 and cash >= 0
    return b.acct_pay, got.pay, got.balc, cash, got.step.text_zh


@pytest.mark.parametrize(
    ("own", "rel_balance", "payable", "acct", "mulaid", "rel_after", "cash"),
    [
        # own account 1,000 pays 1,000; 2,180 - 1,000 = 1,180 left; the relative's 5,000 pays it: 3,820 after
        ("1000.00", "5000.00", "2180.00", "1000.00", "1180.00", "3820.00", "0.00"),
        # the relative has only 500: 500 from them (balance 0, never below), 2,180 - 1,000 - 500 = 680 cash
        ("1000.00", "500.00", "2180.00", "1000.00", "500.00", "0.00", "680.00"),
        # away_limit 1,500 per bill: 1,500 - 1,000 = 500 from the relative, 2,180 - 1,500 = 680 cash
        ("1000.00", "5000.00", "1500.00", "1000.00", "500.00", "4500.00", "680.00"),
        # the own account of 3,000 pays all 2,180: nothing left for the relative
        ("3000.00", "5000.00", "2180.00", "2180.00", "0.00", "5000.00", "0.00"),
        # no own balance: the relative pays all 2,180, 5,000 - 2,180 = 2,820 after
        ("0.00", "5000.00", "2180.00", "0.00", "2180.00", "2820.00", "0.00"),
    ],
)
def test_relative_pays_what_the_own_account_left(
    tmp_path: Path, own: str, rel_balance: str, payable: str, acct: str, mulaid: str, rel_after: str, cash: str,
) -> None:
    got = aid(tmp_path, {"mutual_aid": True, "away_limit": "1500"} if payable == "1500.00" else {"mutual_aid": True},
              own, {"account_balance": D(rel_balance)}, payable)
    assert got[:4] == (D(acct), D(mulaid), D(rel_after), D(cash))
    assert "家庭共济" in got[4]


@pytest.mark.parametrize(
    ("account", "relative", "why"),
    [
        ({}, {}, "未开通"),  # the default: the region's pack does not allow it
        ({"mutual_aid": False}, {}, "未开通"),
        ({"mutual_aid": True}, {"scheme": Scheme.RESIDENT}, "职工医保"),  # a resident has no account
        ({"mutual_aid": True}, {"insured_region": "440100"}, "同一统筹区"),  # insured in Guangzhou
    ],
)
def test_no_mutual_aid(tmp_path: Path, account: dict[str, Any], relative: dict[str, Any], why: str) -> None:
    # own account 1,000 pays 1,000; the relative's 5,000 pays nothing: 1,180 cash, their balance untouched
    got = aid(tmp_path, account, "1000.00", {"account_balance": D("5000.00"), **relative}, "2180.00")
    assert got[:4] == (D("1000.00"), D("0.00"), D("5000.00"), D("1180.00"))
    assert why in got[4]


def test_default_is_off() -> None:
    # a pack that says nothing about it: no mutual aid (docs/policy-pack.md)
    assert Account().mutual_aid is False
    assert Account.model_validate({"may_pay": True}).mutual_aid is False


def test_a_relatives_account_pays_for_a_resident(tmp_path: Path) -> None:
    # an employee's account pays a close relative's share, a relative insured as a resident included
    # (国办发〔2021〕14号); the insured region's employee account setting says what may be paid (all_personal)
    packs = make_packs(tmp_path, {"schemes": {"EMPLOYEE": {"account": {"may_pay": True, "mutual_aid": True}}}})
    child = {"id_number": CHILD_ID, "name": "李小", "scheme": "RESIDENT"}
    bill = make_bill([("A01", "1", "10000.00")], person=child, accumulators={"year": 2025})
    rel = Person(CitizenId(EMP2_ID), "李四", bill.person.insured_region, Scheme.EMPLOYEE,
                 account_balance=D("50000.00"))
    b = calculate(bill, packs, relative=rel)
    identities(b)
    # resident terms: (10,000 - 1,000) x 70 % = 6,300.00 from the fund, the child's share 3,700.00; no account
    # of the child's own: the relative's 50,000 pays all 3,700.00 (46,300.00 left), cash 0
    assert (b.hifp_pay, b.psn_part_amt, b.acct_pay) == (D("6300.00"), D("3700.00"), D("0.00"))
    assert (b.acct_mulaid_pay, b.psn_cash_pay) == (D("3700.00"), D("0.00"))
    step = next(s for s in b.steps if s.rule == "account.mutual_aid")
    assert step.clause is not None and step.clause.parameter == "schemes.EMPLOYEE.account.mutual_aid"
    # the relative chooses not to use an account (acct_used_flag 0): nothing from theirs either
    off = calculate(bill.model_copy(update={"use_account": False}), packs, relative=rel)
    assert off.acct_mulaid_pay == D("0.00") and off.psn_cash_pay == off.psn_part_amt
