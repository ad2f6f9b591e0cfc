"""What every use case needs: the units of work over the store, the loaded policy packs, and today's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yidi.domain.packset import PackSet
from yidi.policies.loader import load_packs
from yidi.settings import Settings
from yidi.store.db import make_engine, session_factory
from yidi.store.memory import MemoryStore, memory_units
from yidi.store.uow import UnitOfWork, UnitOfWorkFactory, sql_units


@dataclass
class Context:
    """Built once per process (server, CLI command, test) and shared by every request.

    Services open a unit of work with `ctx.uow()`; `engine` and `sessions` remain for the store's own tools
    (migrations, audit verification, set-based clearing) and for services not yet moved onto repositories.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    packs: PackSet
    today: Callable[[], dt.date]
    units: UnitOfWorkFactory | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.units is None:
            self.units = sql_units(self.sessions)

    def uow(self) -> AbstractContextManager[UnitOfWork]:
        """A new unit of work: one transaction, committed when its `with` block ends normally."""
        assert self.units is not None
        return self.units()

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        engine = make_engine(settings.database_url)
        return cls(engine, session_factory(engine), load_packs(settings.packs_dir), settings.today)

    @classmethod
    def in_memory(cls, packs: PackSet, today: Callable[[], dt.date], store: MemoryStore | None = None) -> Context:
        """A context whose units of work run on `store` (yidi.store.memory): use-case tests without a database.
        Its engine is an empty in-memory SQLite that nothing migrates: only services on `uow()` work here."""
        engine = make_engine("sqlite://")
        return cls(engine, session_factory(engine), packs, today, memory_units(store or MemoryStore()))

    def close(self) -> None:
        self.engine.dispose()
