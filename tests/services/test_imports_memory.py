"""Importing an agency's sheet on the in-memory store: all or nothing, a row per key (tests/services/test_imports.py
proves the same on SQLite and PostgreSQL, from CSV and Excel files)."""

from __future__ import annotations

import copy
from decimal import Decimal

from tests.support.memory import MOTHER
from yidi.demo.dataset import demo_id
from yidi.services.imports import import_table
from yidi.services.tabular import Table

NEW = demo_id("440304", "19900505", 22)
HEADERS = ["身份证号", "姓名", "参保地", "险种", "个人账户余额", "慢特病"]


def sheet(*rows: list[str]) -> Table:
    return Table(HEADERS, [(n, dict(zip(HEADERS, r, strict=True))) for n, r in enumerate(rows, start=2)], "utf-8")


GOOD = [NEW, "马超", "440300", "职工", "88.80", "M03900"]
CHANGED = [MOTHER, "张建国", "369900", "职工", "1234.56", ""]  # already on file: updated
UNKNOWN_REGION = [demo_id("110105", "19850101", 33), "林小红", "990100", "居民", "0", ""]


def test_one_bad_row_and_nothing_is_written(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    before = copy.deepcopy(store.tables)
    report = import_table(ctx, "persons", sheet(GOOD, CHANGED, UNKNOWN_REGION))
    assert (report.accepted, report.written) == (2, 0)
    assert [(r.line, [p.code for p in r.problems]) for r in report.rejected] == [(4, ["REGION_UNKNOWN"])]
    assert store.tables == before


def test_accept_valid_writes_the_good_rows_and_updates_by_id_number(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    count = len(store.tables.persons)
    report = import_table(ctx, "persons", sheet(GOOD, CHANGED, UNKNOWN_REGION), accept_valid=True)
    assert report.written == 2
    assert len(store.tables.persons) == count + 1  # the mother updated, one person new
    assert store.tables.persons[MOTHER].account_balance == Decimal("1234.56")
    assert store.tables.persons[NEW].chronic_diseases == {"M03900"} and store.tables.persons[NEW].insured_region == "440300"
