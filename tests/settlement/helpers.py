"""Seed data and HTTP helpers for the settlement tests: persons with filings, hospital keys, 20-line bills."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from yidi.demo.dataset import demo_id
from yidi.domain.bill import FeeLine
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.filing_rules import FilingRecord, FilingStatus
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.domain.validation import validate_model
from yidi.services import hospital_keys
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.repositories import Filings, Persons

API = "/api/v1/hospital"
# networked for INPATIENT and OUTPATIENT, in Guangdong (440000): where the seeded persons filed
GZ1, GZ2, GZ4, SZ1, SZ3 = "H44010000001", "H44010000002", "H44010000004", "H44030000001", "H44030000003"
BJ1 = "H11010000001"  # Beijing: no filing covers it


@dataclass(frozen=True)
class Seeded:
    id_number: str
    name: str
    balance: Decimal


def seed_person(ctx: Context, seq: int, *, balance: str = "3000.00", area: str = "440000",
                scheme: Scheme = Scheme.EMPLOYEE, filing: bool = True, filed_days_ago: int = 400,
                birth: str = "19700101") -> Seeded:
    """An employee insured at Jiangxi provincial level (369900) with a long-term filing to `area`
    (`seq` < 1000 numbers persons born on one day: another `birth` gives a thousand more)."""
    cid = demo_id("360102", birth, seq)
    name = f"测试{seq}"
    today = ctx.today()
    with unit_of_work(ctx.sessions) as s:
        Persons(s).upsert(Person(CitizenId(cid), name, "369900", scheme, Category.ACTIVE, InsuranceStatus.ACTIVE,
                                   account_balance=Decimal(balance) if scheme is Scheme.EMPLOYEE else Decimal("0.00")))
        s.flush()
        if filing:
            start = today - dt.timedelta(days=filed_days_ago)
            rec = FilingRecord(f"BA{secrets.token_hex(6).upper()}", cid, "369900", FilingType.LONG_TERM_RESIDENT, area,
                               start, None, FilingStatus.ACTIVE, True, (), (), start)
            Filings(s).save(rec)
    return Seeded(cid, name, Decimal(balance))


def add_filing(ctx: Context, person: Seeded, area: str, start: dt.date, ftype: FilingType = FilingType.OTHER_TEMPORARY,
               admitted_on: dt.date | None = None) -> str:
    with unit_of_work(ctx.sessions) as s:
        row = Persons(s).row(person.id_number)
        assert row is not None
        fid = f"BA{secrets.token_hex(6).upper()}"
        rec = FilingRecord(fid, person.id_number, "369900", ftype, area, start, start + dt.timedelta(days=180),
                           FilingStatus.ACTIVE, True, (), (), start, admitted_on=admitted_on)
        Filings(s).save(rec)
    return fid


def key_for(ctx: Context, institution: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {hospital_keys.create_key(ctx, institution).key}"}


def lines(n: int = 20, *, prefix: str = "L", price: str = "100.00", date: str | None = None) -> list[dict[str, Any]]:
    """n lines mixing class A, B, C and unknown codes of the Guangdong sample catalogue."""
    codes = ["S001", "XA01", "XB01", "S002", "M002", "XC01", "ZZ-UNKNOWN"]
    out = []
    for i in range(n):
        ln: dict[str, Any] = {"line_id": f"{prefix}{i + 1}", "code": codes[i % len(codes)], "quantity": "2",
                              "unit_price": price}
        if date:
            ln["date"] = date
        out.append(ln)
    return out


def register(c: TestClient, h: dict[str, str], p: Seeded, visit_type: str = "OUTPATIENT", **extra: Any) -> dict[str, Any]:
    r = c.post(f"{API}/visits", json={"id_number": p.id_number, "name": p.name, "visit_type": visit_type, **extra}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def upload(c: TestClient, h: dict[str, str], mdtrt_id: str, ls: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    r = c.post(f"{API}/visits/{mdtrt_id}/lines", json={"lines": ls, **extra}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def settle(c: TestClient, h: dict[str, str], mdtrt_id: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    r = c.post(f"{API}/visits/{mdtrt_id}/settle", json={"idempotency_key": key or secrets.token_hex(8), **extra}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def visit_with_lines(c: TestClient, h: dict[str, str], p: Seeded, n: int = 20, visit_type: str = "OUTPATIENT",
                     price: str = "100.00") -> str:
    v = register(c, h, p, visit_type)
    upload(c, h, v["mdtrt_id"], lines(n, price=price))
    return str(v["mdtrt_id"])


def outpatient_visit(ctx: Context, hosp: Principal, id_number: str, name: str, n_lines: int = 20) -> str:
    """A new outpatient visit with `n_lines` fee lines L0, L1, … of one box of XA01 (a class-A drug) at 10.00."""
    v = svc.register_visit(ctx, hosp, svc.RegisterVisitIn(id_number=id_number, name=name, visit_type=VisitType.OUTPATIENT))
    fee = [FeeLine(line_id=f"L{k}", code="XA01", quantity=Decimal(1), unit_price=Decimal("10.00")) for k in range(n_lines)]
    svc.upload_lines(ctx, hosp, v.mdtrt_id, svc.UploadLinesIn(lines=fee))
    return v.mdtrt_id


def visits_with_lines(ctx: Context, count: int, first_seq: int, *, institution: str = GZ1, n_lines: int = 20) -> list[str]:
    """`count` new persons, each with an outpatient visit at `institution` and `n_lines` fee lines uploaded."""
    hosp = Principal(Role.HOSPITAL, institution)
    out: list[str] = []
    for i in range(count):
        p = seed_person(ctx, first_seq + i)
        v = svc.register_visit(ctx, hosp, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                               visit_type=VisitType.OUTPATIENT))
        svc.upload_lines(ctx, hosp, v.mdtrt_id, validate_model(svc.UploadLinesIn, {"lines": lines(n_lines)}))
        out.append(v.mdtrt_id)
    return out
