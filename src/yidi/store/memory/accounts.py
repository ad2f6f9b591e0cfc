"""In-memory twins of the accounts repositories: users, page sessions, hospital API keys."""

from __future__ import annotations

import dataclasses
import datetime as dt

from yidi.store.memory.tables import Tables
from yidi.store.repositories.accounts import HospitalKey, LoginSession, UserAccount


class MemoryUsers:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def by_id(self, user_id: int) -> UserAccount | None:
        return self.t.users.get(user_id)

    def by_username(self, username: str) -> UserAccount | None:
        return next((u for u in self.t.users.values() if u.username == username), None)

    def all(self) -> list[UserAccount]:
        return sorted(self.t.users.values(), key=lambda u: (u.role, u.username))

    def add(self, user: UserAccount) -> int:
        new_id = max(self.t.users, default=0) + 1
        self.t.users[new_id] = dataclasses.replace(user, id=new_id)
        return new_id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        if user_id in self.t.users:
            self.t.users[user_id] = dataclasses.replace(self.t.users[user_id], password_hash=password_hash)

    def set_active(self, user_id: int, active: bool) -> None:
        if user_id in self.t.users:
            self.t.users[user_id] = dataclasses.replace(self.t.users[user_id], active=active)


class MemoryLoginSessions:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def start(self, session: LoginSession) -> None:
        self.t.login_sessions[session.id_hash] = session

    def get(self, id_hash: str) -> LoginSession | None:
        return self.t.login_sessions.get(id_hash)

    def end(self, id_hash: str, at: dt.datetime) -> None:
        found = self.t.login_sessions.get(id_hash)
        if found is not None and found.ended_at is None:
            self.t.login_sessions[id_hash] = dataclasses.replace(found, ended_at=at)

    def end_all_of(self, user_id: int, at: dt.datetime) -> None:
        for s in list(self.t.login_sessions.values()):
            if s.user_id == user_id:
                self.end(s.id_hash, at)


class MemoryHospitalKeys:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def get(self, key_id: str) -> HospitalKey | None:
        return self.t.hospital_keys.get(key_id)

    def of_institution(self, institution: str | None = None) -> list[HospitalKey]:
        found = [k for k in self.t.hospital_keys.values() if not institution or k.institution == institution]
        return sorted(found, key=lambda k: (k.institution, k.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)))

    def add(self, key: HospitalKey, *, actor: str) -> None:
        self.t.hospital_keys[key.key_id] = dataclasses.replace(key, created_at=dt.datetime.now(dt.UTC))
        self.t.key_audit.append(("HOSPITAL_KEY_CREATE", actor, key.key_id))

    def revoke(self, key_id: str, *, actor: str) -> HospitalKey | None:
        was = self.t.hospital_keys.get(key_id)
        if was is not None:
            self.t.hospital_keys[key_id] = dataclasses.replace(was, revoked_at=dt.datetime.now(dt.UTC))
            self.t.key_audit.append(("HOSPITAL_KEY_REVOKE", actor, key_id))
        return was
