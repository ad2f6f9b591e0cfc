"""What every use case needs: the session factory, the loaded policy packs, and today's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yidi.domain.packset import PackSet
from yidi.policies.loader import load_packs
from yidi.settings import Settings
from yidi.store.db import make_engine, session_factory


@dataclass
class Context:
    """Built once per process (server, CLI command, test) and shared by every request."""

    engine: Engine
    sessions: sessionmaker[Session]
    packs: PackSet
    today: Callable[[], dt.date]

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        engine = make_engine(settings.database_url)
        return cls(engine, session_factory(engine), load_packs(settings.packs_dir), settings.today)

    def close(self) -> None:
        self.engine.dispose()
