"""Runtime settings of a yidi process: database URL, policy pack folder, and the clock."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from yidi.policies.loader import SAMPLE_DIR

DEFAULT_DATABASE_URL = "sqlite:///./var/yidi.db"


def _today() -> dt.date:
    return dt.date.today()


@dataclass(frozen=True)
class Settings:
    """What a door needs to start: where the data lives, which policy packs apply, what day it is.

    The clock is a setting so that tests and demos can pin "today"; the domain never reads a clock.
    """

    database_url: str = DEFAULT_DATABASE_URL
    packs_dir: Path = SAMPLE_DIR
    today: Callable[[], dt.date] = field(default=_today)

    @classmethod
    def from_env(cls) -> Settings:
        """YIDI_DATABASE_URL selects the database, YIDI_PACKS the policy pack folder."""
        return cls(
            database_url=os.environ.get("YIDI_DATABASE_URL") or DEFAULT_DATABASE_URL,
            packs_dir=Path(os.environ.get("YIDI_PACKS") or SAMPLE_DIR),
        )
