"""Repository of e-credentials (医保电子凭证): issued to a person, redeemed once by a hospital."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from yidi.store.settlement_models import ECredentialRow


class ECredentialRepository(Protocol):
    def add(self, nonce: str, person: int, issued_at: dt.datetime, expires_at: dt.datetime) -> None: ...

    def redeem(self, nonce: str, institution: str, at: dt.datetime) -> int | None:
        """Mark the credential redeemed by `institution` if nobody did yet: its person's store number, or
        None when it is unknown or redeemed already (under the row's lock: of two redemptions at the same
        moment exactly one wins)."""
        ...

    def known(self, nonce: str) -> bool: ...


class ECredentials:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, nonce: str, person: int, issued_at: dt.datetime, expires_at: dt.datetime) -> None:
        self.s.add(ECredentialRow(nonce=nonce, person_id=person, issued_at=issued_at, expires_at=expires_at))
        self.s.flush()

    def redeem(self, nonce: str, institution: str, at: dt.datetime) -> int | None:
        # the row lock (PostgreSQL FOR UPDATE; SQLite: one writer at a time) makes a second desk wait and then
        # read the first one's redemption
        row = self.s.scalars(select(ECredentialRow).where(ECredentialRow.nonce == nonce).with_for_update()
                             .execution_options(populate_existing=True)).one_or_none()
        if row is None or row.redeemed_at is not None:
            return None
        row.redeemed_at, row.redeemed_by = at, institution
        self.s.flush()
        return row.person_id

    def known(self, nonce: str) -> bool:
        return self.s.scalar(select(ECredentialRow.nonce).where(ECredentialRow.nonce == nonce)) is not None
