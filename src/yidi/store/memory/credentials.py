"""In-memory twin of the e-credentials repository."""

from __future__ import annotations

import datetime as dt

from yidi.store.memory.tables import Tables


class MemoryECredentials:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def add(self, nonce: str, person: int, issued_at: dt.datetime, expires_at: dt.datetime) -> None:
        if nonce in self.t.e_credentials:
            raise LookupError(f"nonce {nonce} taken")  # the primary key
        self.t.e_credentials[nonce] = (person, None)

    def redeem(self, nonce: str, institution: str, at: dt.datetime) -> int | None:
        found = self.t.e_credentials.get(nonce)
        if found is None or found[1] is not None:
            return None
        self.t.e_credentials[nonce] = (found[0], institution)
        return found[0]

    def known(self, nonce: str) -> bool:
        return nonce in self.t.e_credentials
