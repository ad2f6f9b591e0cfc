"""Account use cases on the in-memory store (yidi.store.memory): users, page sessions, hospital API keys.

The same rules are proved through HTTP on SQLite and PostgreSQL (tests/api/test_security.py,
test_forged_tokens.py, test_limits_and_answers.py); here they run on the unit of work alone, and show that a
refused use case leaves the store as it was.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time

import pytest

from tests.support.memory import MOTHER
from yidi.demo.dataset import demo_id
from yidi.domain.errors import YidiError
from yidi.services import accounts, hospital_keys, principals
from yidi.services.access import Duty, Principal, Role
from yidi.services.accounts import AccountRole

INSURED = MOTHER  # insured in 369900
NOBODY = demo_id("360102", "19600101", 11)  # a valid ID number nobody is insured under
PASSWORD = "a-long-password-1"


def refused(call, *args, **kwargs) -> YidiError:  # type: ignore[no-untyped-def]
    with pytest.raises(YidiError) as exc:
        call(*args, **kwargs)
    return exc.value


def test_an_agency_account_for_a_region_on_file_logs_in(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    uid = accounts.create_user(ctx, "li.reviewer", PASSWORD, AccountRole.AGENCY, "369900", duties=["Reviewer ", ""])
    assert store.tables.users[uid].duties == ("reviewer",)  # normalised, blanks dropped
    assert store.tables.users[uid].password_hash.startswith("scrypt$")  # never the password itself
    got_id, principal = accounts.authenticate(ctx, "li.reviewer", PASSWORD)
    assert got_id == uid
    assert principal == Principal(Role.AGENCY, "369900", frozenset({Duty.REVIEWER}), "li.reviewer")


def test_an_unknown_region_is_refused_and_nothing_is_stored(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    before = copy.deepcopy(store.tables)
    err = refused(accounts.create_user, ctx, "x.agency", PASSWORD, AccountRole.AGENCY, "369800", duties=["payer"])
    assert (err.code, err.status, err.field) == ("REGION_NOT_FOUND", 404, "subject")
    err = refused(accounts.create_user, ctx, "x.clearing", PASSWORD, AccountRole.CLEARING, "520000")  # no 52xxxx region
    assert (err.code, err.status) == ("REGION_NOT_FOUND", 404)
    err = refused(accounts.create_user, ctx, "x.person", PASSWORD, AccountRole.PERSON, NOBODY)
    assert (err.code, err.status) == ("PERSON_NOT_FOUND", 404)
    err = refused(accounts.create_user, ctx, "x.desk", PASSWORD, AccountRole.HOSPITAL, "H00000000000")
    assert (err.code, err.status) == ("INSTITUTION_NOT_FOUND", 404)
    assert store.tables == before


def test_a_user_name_is_taken_once(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    accounts.create_user(ctx, INSURED, PASSWORD, AccountRole.PERSON, INSURED)
    err = refused(accounts.create_user, ctx, INSURED, PASSWORD, AccountRole.CLEARING, "000000")
    assert (err.code, err.status) == ("USERNAME_TAKEN", 409)
    assert [u.role for u in store.tables.users.values()] == ["person"]


def test_a_new_password_ends_every_open_session(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    uid = accounts.create_user(ctx, "wang.payer", PASSWORD, AccountRole.AGENCY, "369900", duties=["payer"])
    _id, principal = accounts.authenticate(ctx, "wang.payer", PASSWORD)
    first, second = accounts.start_session(ctx, uid, principal), accounts.start_session(ctx, uid, principal)
    assert accounts.session_principal(ctx, first.sid) == principal
    accounts.end_session(ctx, first.sid)
    assert accounts.session_principal(ctx, first.sid) is None
    assert accounts.session_principal(ctx, second.sid) == principal
    accounts.set_password(ctx, "wang.payer", "another-password-2")
    assert accounts.session_principal(ctx, second.sid) is None
    assert refused(accounts.authenticate, ctx, "wang.payer", PASSWORD).code == "LOGIN_FAILED"
    assert accounts.authenticate(ctx, "wang.payer", "another-password-2")[1] == principal


def test_a_disabled_account_stops_at_once(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    uid = accounts.create_user(ctx, "zhao.admin", PASSWORD, AccountRole.AGENCY, "369900", duties=["administrator"])
    _id, principal = accounts.authenticate(ctx, "zhao.admin", PASSWORD)
    sid = accounts.start_session(ctx, uid, principal).sid
    assert principals.current(ctx, f"u:{uid}", principal) == principal
    accounts.set_active(ctx, "zhao.admin", False)
    assert principals.current(ctx, f"u:{uid}", principal) is None  # a token of the account: refused at once
    assert accounts.session_principal(ctx, sid) is None
    assert refused(accounts.authenticate, ctx, "zhao.admin", PASSWORD).code == "LOGIN_FAILED"


def test_a_hospital_key_works_until_revoked(world) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    err = refused(hospital_keys.create_key, ctx, "H00000000000")
    assert (err.code, err.status) == ("INSTITUTION_UNKNOWN", 422)
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    assert new.key_id in store.tables.hospital_keys and new.key.split(".")[1] not in repr(store.tables)
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"
    claimed = principals.key_principal(new.key_id, "H36010000001")
    assert principals.current(ctx, f"k:{new.key_id}", claimed) == claimed
    hospital_keys.revoke_key(ctx, new.key_id, actor="ops")
    assert refused(hospital_keys.verify, ctx, new.key).code == "AUTH_INVALID"
    assert principals.current(ctx, f"k:{new.key_id}", claimed) is None
    assert [k.revoked for k in hospital_keys.list_keys(ctx, "H36010000001")] == [True]
    assert store.tables.key_audit == [("HOSPITAL_KEY_CREATE", "ops", new.key_id), ("HOSPITAL_KEY_REVOKE", "ops", new.key_id)]
    assert refused(hospital_keys.revoke_key, ctx, "nosuchkey").code == "KEY_NOT_FOUND"


def _clock_and_scrypt_checks(monkeypatch: pytest.MonkeyPatch) -> tuple[list[float], list[int]]:
    """A clock the test moves by hand, and a list that grows by one for each scrypt check of a secret."""
    clock, checks = [1000.0], []
    real_hash = hospital_keys._hash
    monkeypatch.setattr(hospital_keys.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(hospital_keys, "_hash", lambda secret, salt: checks.append(1) or real_hash(secret, salt))
    return clock, checks


def test_a_key_revoked_by_another_process_stops_within_the_live_window(  # type: ignore[no-untyped-def]
        world, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, _store = world
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    clock, checks = _clock_and_scrypt_checks(monkeypatch)
    assert hospital_keys.verify(ctx, new.key) == "H36010000001" and len(checks) == 1
    # the CLI revokes in its own process: this process's memory is not told
    with ctx.uow() as uow:
        uow.hospital_keys.revoke(new.key_id, actor="cli")
    clock[0] += hospital_keys.LIVE_SECONDS - 1
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"  # still within the live window (documented)
    clock[0] += 2  # past it: the row is read again, and it is revoked
    assert refused(hospital_keys.verify, ctx, new.key).code == "AUTH_INVALID"
    assert hospital_keys.remembered(new.key) is None


def test_a_live_key_is_read_again_without_scrypt(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    clock, checks = _clock_and_scrypt_checks(monkeypatch)
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"
    clock[0] += hospital_keys.LIVE_SECONDS + 1  # the row is read again: still live, the secret not checked again
    assert hospital_keys.verify(ctx, new.key) == "H36010000001" and len(checks) == 1
    for _ in range(30):  # an hour of requests: the row read every LIVE_SECONDS, the secret never checked again
        clock[0] += 2 * hospital_keys.LIVE_SECONDS
        assert hospital_keys.verify(ctx, new.key) == "H36010000001"
    assert len(checks) == 1
    # the stored hash changes (the key's row replaced with another secret's): the key is checked again and refused
    with ctx.uow() as uow:
        row = uow.hospital_keys.get(new.key_id)
        assert row is not None
    store.tables.hospital_keys[new.key_id] = dataclasses.replace(row, secret_hash=hospital_keys._hash("other", row.salt))
    checks.clear()
    clock[0] += hospital_keys.LIVE_SECONDS + 1
    assert refused(hospital_keys.verify, ctx, new.key).code == "AUTH_INVALID"
    assert len(checks) == 1  # the key's secret checked against the new hash (and refused)
    # a wrong secret for a live key id is refused however fresh the right one's check is
    wrong = new.key.rsplit(".", 1)[0] + ".not-the-secret"
    assert refused(hospital_keys.verify, ctx, wrong).code == "AUTH_INVALID"


def test_requests_arriving_together_with_a_new_key_run_one_scrypt(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A worker's first requests after a start: four at once with the same key wait for one check of its secret
    (16 MiB and ~50–100 ms each) rather than each running their own; a wrong key is still refused."""
    ctx, _store = world
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    real_hash, checks, started = hospital_keys._hash, [], threading.Event()

    def slow(secret: str, salt: str) -> str:
        checks.append(1)
        started.set()
        time.sleep(0.3)  # long enough for the other three to arrive while it runs
        return real_hash(secret, salt)
    monkeypatch.setattr(hospital_keys, "_hash", slow)
    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(hospital_keys.verify(ctx, new.key)))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=lambda: got.append(hospital_keys.verify(ctx, new.key))) for _ in range(3)]
    for t in [*others]:
        t.start()
    for t in [first, *others]:
        t.join(30)
    assert got == ["H36010000001"] * 4 and len(checks) == 1
    wrong = new.key.rsplit(".", 1)[0] + ".not-the-secret"
    assert refused(hospital_keys.verify, ctx, wrong).code == "AUTH_INVALID" and len(checks) == 2


def test_a_key_in_use_is_read_again_before_its_requests_need_it(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A server's background read (refresh_once, run every second by keep_fresh) keeps the row of a key in use
    fresh, so its requests answer from memory; a revocation by another process still counts within LIVE_SECONDS."""
    ctx, _store = world
    hospital_keys._forget_all()
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    clock, checks = _clock_and_scrypt_checks(monkeypatch)
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"  # read and checked at t = 1000: live until 1010
    clock[0] += 5  # 1005: 5 s left, more than REFRESH_AHEAD (3 s): nothing is due yet
    assert hospital_keys.refresh_once(ctx) == 0
    clock[0] += 3  # 1008: 2 s left: the row is read again, live until 1018
    assert hospital_keys.refresh_once(ctx) == 1
    clock[0] += 9  # 1017: past the first window (1010), within the second: no request of this key reads the row
    assert hospital_keys.remembered(new.key) == "H36010000001" and len(checks) == 1
    # the CLI revokes in its own process; the next background read (t = 1017, 1 s left) forgets the key
    with ctx.uow() as uow:
        uow.hospital_keys.revoke(new.key_id, actor="cli")
    assert hospital_keys.refresh_once(ctx) == 1
    assert hospital_keys.remembered(new.key) is None  # 7 s after the revocation, within LIVE_SECONDS of it
    assert refused(hospital_keys.verify, ctx, new.key).code == "AUTH_INVALID"


def test_a_replaced_hash_or_an_unused_key_is_not_kept_fresh(world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ctx, store = world
    hospital_keys._forget_all()
    new = hospital_keys.create_key(ctx, "H36010000001", actor="ops")
    clock, checks = _clock_and_scrypt_checks(monkeypatch)
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"
    # the key's row replaced with another secret's hash: the background read forgets the key, and its next request
    # checks the secret against the new hash (scrypt) and is refused
    row = store.tables.hospital_keys[new.key_id]
    store.tables.hospital_keys[new.key_id] = dataclasses.replace(row, secret_hash=hospital_keys._hash("other", row.salt))
    checks.clear()
    clock[0] += hospital_keys.LIVE_SECONDS - 1
    assert hospital_keys.refresh_once(ctx) == 1 and hospital_keys.remembered(new.key) is None
    assert refused(hospital_keys.verify, ctx, new.key).code == "AUTH_INVALID" and len(checks) == 1
    # a key whose requests stopped: kept fresh while seen within IN_USE_SECONDS, then left to its next request
    store.tables.hospital_keys[new.key_id] = row
    assert hospital_keys.verify(ctx, new.key) == "H36010000001"
    reads = 0
    for _ in range(int(hospital_keys.IN_USE_SECONDS) + 60):
        clock[0] += 1
        reads += hospital_keys.refresh_once(ctx)
    # by hand: verified at t = 1009 (live until 1019, seen at 1009); a turn each second reads the row once fewer
    # than 3 s are left, i.e. at 1017 (until 1027), 1025, … every 8 s while the key was seen less than 300 s ago
    # (t < 1309): 1017 + 8k ≤ 1308 for k = 0 … 36, 37 reads; none after, so the last window ends at 1313
    assert reads == 37
    assert hospital_keys.remembered(new.key) is None


def test_the_server_reads_keys_in_the_background_while_it_runs(world) -> None:  # type: ignore[no-untyped-def]
    ctx, _store = world
    stop = hospital_keys.keep_fresh(ctx, every=0.01)
    assert "yidi-hospital-keys" in [t.name for t in threading.enumerate()]
    stop()
    assert "yidi-hospital-keys" not in [t.name for t in threading.enumerate()]
