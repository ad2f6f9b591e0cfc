"""Accounts repository: user accounts (logins), their page sessions, and hospital API keys.

Secrets never pass through here in the clear: passwords and key secrets arrive hashed, session ids as a
SHA-256 (yidi.services.accounts and yidi.services.hospital_keys hash them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yidi.store.auth_models import SessionRow, UserRow
from yidi.store.models import PersonRow
from yidi.store.settlement_models import AuditRow, HospitalKeyRow


@dataclass(frozen=True, slots=True)
class UserAccount:
    """A login: the role and subject it acts for (citizen ID / institution / region / clearing scope)."""

    id: int
    username: str
    role: str
    subject: str
    duties: tuple[str, ...]
    active: bool
    display_name: str = ""
    password_hash: str = ""


@dataclass(frozen=True, slots=True)
class LoginSession:
    """A page session, known by the SHA-256 of its id; times are aware (UTC)."""

    id_hash: str
    user_id: int
    expires_at: dt.datetime
    ended_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class HospitalKey:
    """A hospital's API key: public key id, the institution, and the scrypt salt and hash of its secret."""

    key_id: str
    institution: str
    salt: str
    secret_hash: str
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class UserRepository(Protocol):
    """User accounts, by id (what a token names) or by user name (what a person types)."""

    def by_id(self, user_id: int) -> UserAccount | None: ...
    def by_username(self, username: str) -> UserAccount | None: ...
    def all(self) -> list[UserAccount]:
        """Every account, by role then user name."""
        ...

    def add(self, user: UserAccount) -> int:
        """Store a new account (its `id` is ignored) and give its id; a person account is linked to the
        person of its subject, who must be on file."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    def set_active(self, user_id: int, active: bool) -> None: ...


class LoginSessionRepository(Protocol):
    """Page sessions (cookies)."""

    def start(self, session: LoginSession) -> None: ...
    def get(self, id_hash: str) -> LoginSession | None: ...
    def end(self, id_hash: str, at: dt.datetime) -> None:
        """End one session (an ended one stays as it was)."""
        ...

    def end_all_of(self, user_id: int, at: dt.datetime) -> None:
        """End every open session of an account."""
        ...


class HospitalKeyRepository(Protocol):
    """Hospital API keys; creating and revoking one is also an audit record naming the operator."""

    def get(self, key_id: str) -> HospitalKey | None: ...
    def of_institution(self, institution: str | None = None) -> list[HospitalKey]:
        """The keys of one institution (every key when None), by institution then creation time."""
        ...

    def add(self, key: HospitalKey, *, actor: str) -> None: ...
    def revoke(self, key_id: str, *, actor: str) -> HospitalKey | None:
        """Revoke a key now; the key as it was, or None when there is no such key."""
        ...


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite gives back naive UTC


def _user(row: UserRow) -> UserAccount:
    return UserAccount(row.id, row.username, row.role, row.subject, tuple(d for d in row.duties.split(",") if d),
                       row.active, row.display_name, row.password_hash)


class Users:
    """auth_users."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def by_id(self, user_id: int) -> UserAccount | None:
        row = self.s.get(UserRow, user_id)
        return None if row is None else _user(row)

    def _row(self, username: str) -> UserRow | None:
        return self.s.scalars(select(UserRow).where(UserRow.username == username)).first()

    def by_username(self, username: str) -> UserAccount | None:
        row = self._row(username)
        return None if row is None else _user(row)

    def all(self) -> list[UserAccount]:
        return [_user(r) for r in self.s.scalars(select(UserRow).order_by(UserRow.role, UserRow.username))]

    def add(self, user: UserAccount) -> int:
        person_id = None
        if user.role == "person":
            person_id = self.s.scalars(select(PersonRow.id).where(PersonRow.citizen_id == user.subject)).first()
        row = UserRow(username=user.username, role=user.role, subject=user.subject, person_id=person_id,
                      duties=",".join(user.duties), display_name=user.display_name, password_hash=user.password_hash,
                      active=user.active)
        self.s.add(row)
        self.s.flush()
        return row.id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        row = self.s.get(UserRow, user_id)
        if row is not None:
            row.password_hash = password_hash

    def set_active(self, user_id: int, active: bool) -> None:
        row = self.s.get(UserRow, user_id)
        if row is not None:
            row.active = active


class LoginSessions:
    """auth_sessions."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def start(self, session: LoginSession) -> None:
        self.s.add(SessionRow(id_hash=session.id_hash, user_id=session.user_id, expires_at=session.expires_at,
                              ended_at=session.ended_at))

    def get(self, id_hash: str) -> LoginSession | None:
        row = self.s.get(SessionRow, id_hash)
        if row is None:
            return None
        return LoginSession(row.id_hash, row.user_id, _aware(row.expires_at),
                            None if row.ended_at is None else _aware(row.ended_at))

    def end(self, id_hash: str, at: dt.datetime) -> None:
        row = self.s.get(SessionRow, id_hash)
        if row is not None and row.ended_at is None:
            row.ended_at = at

    def end_all_of(self, user_id: int, at: dt.datetime) -> None:
        # one UPDATE however many sessions are open (the audit chain logs each row it reaches)
        self.s.execute(update(SessionRow).where(SessionRow.user_id == user_id, SessionRow.ended_at.is_(None))
                       .values(ended_at=at))


def _key(row: HospitalKeyRow) -> HospitalKey:
    return HospitalKey(row.key_id, row.institution, row.salt, row.secret_hash, row.created_at, row.revoked_at)


class HospitalKeys:
    """hospital_keys, and the audit records of their creation and revocation."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key_id: str) -> HospitalKey | None:
        row = self.s.get(HospitalKeyRow, key_id)
        return None if row is None else _key(row)

    def of_institution(self, institution: str | None = None) -> list[HospitalKey]:
        q = select(HospitalKeyRow).order_by(HospitalKeyRow.institution, HospitalKeyRow.created_at)
        if institution:
            q = q.where(HospitalKeyRow.institution == institution)
        return [_key(r) for r in self.s.scalars(q)]

    def _audit(self, action: str, actor: str, key_id: str, institution: str) -> None:
        self.s.add(AuditRow(actor_role="operator", actor=actor, action=action, object_type="hospital_key",
                            object_id=key_id, detail={"institution": institution}))

    def add(self, key: HospitalKey, *, actor: str) -> None:
        self.s.add(HospitalKeyRow(key_id=key.key_id, institution=key.institution, salt=key.salt,
                                  secret_hash=key.secret_hash))
        self._audit("HOSPITAL_KEY_CREATE", actor, key.key_id, key.institution)

    def revoke(self, key_id: str, *, actor: str) -> HospitalKey | None:
        row = self.s.get(HospitalKeyRow, key_id)
        if row is None:
            return None
        was = _key(row)
        row.revoked_at = func.now()  # the database's clock, as created_at
        self._audit("HOSPITAL_KEY_REVOKE", actor, key_id, row.institution)
        return was
