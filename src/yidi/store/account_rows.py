"""Reads of the rows behind a caller: a user account by id, a hospital API key by key id (primary keys)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from yidi.store.auth_models import UserRow
from yidi.store.settlement_models import HospitalKeyRow


@dataclass(frozen=True, slots=True)
class UserAccount:
    """What a user row says about who it is now."""

    username: str
    role: str
    subject: str
    duties: tuple[str, ...]
    active: bool


@dataclass(frozen=True, slots=True)
class KeyAccount:
    key_id: str
    institution: str
    revoked: bool


def user_account(s: Session, user_id: int) -> UserAccount | None:
    row = s.get(UserRow, user_id)
    if row is None:
        return None
    return UserAccount(row.username, row.role, row.subject, tuple(d for d in row.duties.split(",") if d), row.active)


def key_account(s: Session, key_id: str) -> KeyAccount | None:
    row = s.get(HospitalKeyRow, key_id)
    return None if row is None else KeyAccount(row.key_id, row.institution, row.revoked_at is not None)
