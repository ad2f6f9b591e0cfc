"""A read-only unit of work (UnitOfWork.read_only: the eligibility check's reads, outside a transaction on
PostgreSQL) leaves nothing behind on its pooled connection: the next unit on it is one transaction again, so a
write followed by an error still leaves nothing written."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from yidi.demo.dataset import demo_id
from yidi.domain.enums import Category, Scheme
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory


def _one_connection(ctx: Context) -> Context:
    """The same database through a pool of exactly one connection: every unit reuses the connection."""
    engine = make_engine(ctx.engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    return Context(engine, session_factory(engine), ctx.packs, ctx.today)


def _write_then_fail(ctx: Context, person: Person) -> None:
    with pytest.raises(RuntimeError), ctx.uow() as uow:
        uow.persons.upsert(person)
        assert uow.persons.get(person.citizen_id.number) is not None  # flushed: the INSERT went out
        raise RuntimeError("the use case fails after writing")


@pytest.mark.parametrize("read_fails", [False, True], ids=["read ends normally", "read ends in an error"])
def test_a_unit_after_a_read_only_one_is_a_transaction_again(ctx: Context, read_fails: bool) -> None:
    one = _one_connection(ctx)
    person = Person(CitizenId(demo_id("360102", "19700101", 991 if read_fails else 992)), "回滚测试", "369900",
                    Scheme.EMPLOYEE, Category.RETIRED)
    try:
        with pytest.raises(RuntimeError) if read_fails else nullcontext(), one.uow() as uow:
            uow.read_only()
            assert uow.filings.at_admission(person.citizen_id.number).person is None
            if read_fails:
                raise RuntimeError("the check refuses")
        _write_then_fail(one, person)
        with one.uow() as uow:
            assert uow.persons.get(person.citizen_id.number) is None  # rolled back: nothing was committed
    finally:
        one.close()



def test_a_write_in_a_unit_declared_read_only_is_not_lost(ctx: Context) -> None:
    # a read-only unit ends without a commit on PostgreSQL (nothing to commit: each read ran on its own); should a
    # use case write in one all the same, the write is committed, not dropped with the session
    person = Person(CitizenId(demo_id("360102", "19700101", 993)), "只读写入", "369900", Scheme.EMPLOYEE,
                    Category.RETIRED)
    with ctx.uow() as uow:
        uow.read_only()
        assert uow.persons.get(person.citizen_id.number) is None
        uow.persons.upsert(person)
    with ctx.uow() as uow:
        got = uow.persons.get(person.citizen_id.number)
        assert got is not None and got.name == "只读写入"
