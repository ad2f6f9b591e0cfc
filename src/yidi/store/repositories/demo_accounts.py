"""The demo logins' rows: accounts and hospital keys added where missing, and the person logins listed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yidi.store.auth_models import UserRow
from yidi.store.db import unit_of_work
from yidi.store.models import InstitutionRow, PersonRow
from yidi.store.settlement_models import HospitalKeyRow


@dataclass(frozen=True, slots=True)
class StaffLogin:
    username: str
    role: str
    subject: str
    duties: tuple[str, ...]
    display_name: str


def add_missing(sessions: sessionmaker[Session], *, staff: Iterable[StaffLogin], person_role: str, hospital_role: str,
                password_hash: str, desks: Iterable[tuple[str, str]], key_salt: str, key_hash: str) -> int:
    """Add the staff, one login per person on file (user name = citizen ID), and for each (institution, desk user
    name) on file its desk login and its demo key `demo<code>`; what exists is left alone. Returns how many rows."""
    made = 0
    with unit_of_work(sessions) as s:
        have = set(s.scalars(select(UserRow.username)))
        for a in staff:
            if a.username not in have:
                s.add(UserRow(username=a.username, role=a.role, subject=a.subject, duties=",".join(a.duties),
                              display_name=a.display_name, password_hash=password_hash, active=True))
                made += 1
        for pid, cid, name in s.execute(select(PersonRow.id, PersonRow.citizen_id, PersonRow.name)):
            if cid not in have and pid is not None:
                s.add(UserRow(username=cid, role=person_role, subject=cid, person_id=pid,
                              display_name=name, password_hash=password_hash, active=True))
                made += 1
        for code, desk in desks:
            if s.get(InstitutionRow, code) is None:
                continue
            if desk not in have:
                s.add(UserRow(username=desk, role=hospital_role, subject=code, duties="",
                              display_name="医保办", password_hash=password_hash, active=True))
                made += 1
            key_id = f"demo{code}"
            if s.get(HospitalKeyRow, key_id) is None:
                s.add(HospitalKeyRow(key_id=key_id, institution=code, salt=key_salt, secret_hash=key_hash))
                made += 1
    return made


def logins_of_role(sessions: sessionmaker[Session], role: str) -> list[tuple[str, str]]:
    """(user name, display name) of every account of one role."""
    with unit_of_work(sessions) as s:
        return [(u, n) for u, n in s.execute(select(UserRow.username, UserRow.display_name)
                                            .where(UserRow.role == role))]
