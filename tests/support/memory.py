"""The in-memory store for use-case tests (yidi.store.memory): the sample pack's regions and institutions and
three persons insured in 江西省省本级 369900 — a mother, her son and a stranger (demo IDs with valid GB 11643
check characters)."""

from __future__ import annotations

import datetime as dt

import pytest

from yidi.domain.enums import Category, Scheme
from yidi.domain.ids import CitizenId
from yidi.domain.packset import PackSet
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.services.reference import load_reference
from yidi.store.memory import MemoryStore

TODAY = dt.date(2026, 3, 10)
MOTHER = "360102195603120312"
SON = "36010319780705042X"
STRANGER = "360104198501190551"
NAMES = {MOTHER: "张建国", SON: "李秀英", STRANGER: "王磊"}


@pytest.fixture
def world(packs: PackSet) -> tuple[Context, MemoryStore]:
    """A context whose units of work run on a fresh in-memory store, and that store."""
    store = MemoryStore()
    ctx = Context.in_memory(packs, lambda: TODAY, store)
    load_reference(ctx)
    for cid, name in NAMES.items():
        store.tables.persons[cid] = Person(CitizenId(cid), name, "369900", Scheme.EMPLOYEE, Category.ACTIVE)
    return ctx, store
