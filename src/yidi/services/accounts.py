"""User accounts and their credentials: password hashing (scrypt), login, page sessions, rate limiting.

Used by the doors (yidi.http.security, the CLI); nothing here knows about HTTP. Passwords are hashed with
scrypt (memory-hard, 16 MiB per try, the same cost as hospital API keys) and compared in constant time.
Failed logins are counted per user name and per client address in the database: after
`MAX_FAILURES` within `WINDOW_SECONDS` further attempts are refused with 429 until the window passes —
also for a correct password, or the limit would only slow a guesser down instead of stopping them.
Every worker process counts the same attempts (the table rate_limit_hits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from yidi.domain.bounds import PERSON_NAME
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.domain.normalise import bad_character
from yidi.domain.validation import checked_text
from yidi.services import principals
from yidi.services.access import Duty, Principal
from yidi.services.context import Context
from yidi.store.repositories.accounts import LoginSession, UserAccount
from yidi.store.repositories.reference import RegionRepository

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 8
MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
SESSION_HOURS = 8


class AccountRole(StrEnum):
    PERSON = "person"
    HOSPITAL = "hospital"  # desk staff on the pages (the HIS itself uses API keys / client credentials)
    AGENCY = "agency"
    CLEARING = "clearing"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$<salt hex>$<hash hex>`: parameters stored beside the hash so they can be raised later."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, want = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=len(want) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), want)


# A hash of a password nobody has, checked when the user name is unknown, so that a wrong user name takes as
# long as a wrong password (response time does not tell which user names exist).
_DUMMY = hash_password(secrets.token_urlsafe(16))


class RateLimiter:
    """Attempts per key in a sliding window, counted in the database (yidi.store.repositories.rate_limits):
    every worker process counts the same attempts, and a restart forgets none. Each call is its own short
    transaction, so an attempt counts even when the request it belongs to fails afterwards."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window

    def retry_after(self, ctx: Context, *keys: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = dt.datetime.now(dt.UTC)
        span = dt.timedelta(seconds=self.window)
        with ctx.uow() as uow:
            recent = uow.rate_limits.recent(keys, now - span)
        waits = [(oldest + span - now).total_seconds() for n, oldest in recent.values() if n >= self.limit]
        wait = max(waits, default=0.0)
        return int(wait) + 1 if wait > 0 else 0

    def fail(self, ctx: Context, *keys: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with ctx.uow() as uow:
            uow.rate_limits.hit(keys, now, forget_before=now - dt.timedelta(seconds=self.window))

    def clear(self, ctx: Context, key: str) -> None:
        with ctx.uow() as uow:
            uow.rate_limits.clear(key)


limiter = RateLimiter()  # per account name (or hospital client id)
client_limiter = RateLimiter(limit=MAX_FAILURES * 6)  # per client address: one office shares one address


def check_rate(ctx: Context, account_key: str, client: str) -> None:
    wait = max(limiter.retry_after(ctx, account_key), client_limiter.retry_after(ctx, f"c:{client}") if client else 0)
    if wait:
        raise rate_limited(wait)


def record_failure(ctx: Context, account_key: str, client: str) -> None:
    limiter.fail(ctx, account_key)
    if client:
        client_limiter.fail(ctx, f"c:{client}")


def rate_limited(seconds: int) -> YidiError:
    return error("LOGIN_RATE_LIMITED", retry_after=seconds, seconds=seconds)


def bad_login() -> YidiError:
    # one message for an unknown user, a wrong password and a disabled account: none tells which
    return error("LOGIN_FAILED")


def principal_of(user: UserAccount) -> Principal:
    return principals.user_principal(user.role, user.subject, user.duties, user.username)


def authenticate(ctx: Context, username: str, password: str, *, client: str = "") -> tuple[int, Principal]:
    """The user id and principal for a user name and password, or LOGIN_FAILED / LOGIN_RATE_LIMITED."""
    username = username.strip()
    account_key = f"u:{username.lower()}"
    check_rate(ctx, account_key, client)
    # a name no account can have (too long, a control character: NUL is not even a valid SQL string on
    # PostgreSQL) is looked up as nobody, and fails like any other wrong login
    storable = len(username) <= 64 and bad_character(username) is None
    with ctx.uow() as uow:
        user = uow.users.by_username(username) if storable else None
    ok = check_password(password, user.password_hash if user is not None else _DUMMY)
    if user is None or not ok or not user.active:
        record_failure(ctx, account_key, client)
        raise bad_login()
    limiter.clear(ctx, account_key)
    return user.id, principal_of(user)


def _validate(role: AccountRole, subject: str, duties: list[str]) -> tuple[str, list[str]]:
    if role is AccountRole.PERSON:
        return parse_citizen_id(subject, "subject").number, []
    if role is AccountRole.HOSPITAL:
        if not (0 < len(subject) <= 30 and subject.isalnum()):
            raise error("SUBJECT_INVALID", detail_zh="医疗机构账号的主体应为机构编码",
                        detail_en="a hospital account acts for an institution code")
        return subject, []
    if len(subject) != 6 or not subject.isdigit():
        raise error("SUBJECT_INVALID", detail_zh="经办机构/清算账号的主体应为6位区划编码（全国清算用 000000）",
                    detail_en="agency and clearing accounts need a 6-digit region code (000000: national clearing)")
    if role is AccountRole.CLEARING:
        if subject != "000000" and not subject.endswith("0000"):
            raise error("SUBJECT_INVALID", detail_zh="清算账号的主体应为 000000（全国）或省级编码 XX0000",
                        detail_en="a clearing account acts for 000000 (national) or a province XX0000")
        return subject, []
    try:
        parsed = sorted({Duty(d.strip().lower()).value for d in duties if d.strip()})
    except ValueError:
        raise error("DUTY_INVALID") from None
    return subject, parsed


def _check_region(regions: RegionRepository, role: AccountRole, subject: str) -> None:
    """An agency account acts for a region on file; a clearing account for the nation or a province on file."""
    if role is AccountRole.AGENCY and not regions.exists(subject):
        raise error("REGION_NOT_FOUND", subject=subject)
    if role is AccountRole.CLEARING and subject != "000000" and not regions.any_in_province(subject):
        raise error("REGION_NOT_FOUND", subject=subject)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise error("PASSWORD_TOO_SHORT", limit=MIN_PASSWORD)


def create_user(ctx: Context, username: str, password: str, role: AccountRole, subject: str, *,
                duties: list[str] | None = None, display_name: str = "", password_hash: str | None = None) -> int:
    """A new account (or USERNAME_TAKEN). A person account must match a person already on file."""
    if password_hash is None:
        _check_password(password)
    display_name = checked_text(display_name, "name", PERSON_NAME)
    if not (0 < len(username) <= 64) or any(c.isspace() for c in username) or bad_character(username):
        raise error("USERNAME_INVALID")
    subject, clean_duties = _validate(role, subject, duties or [])
    with ctx.uow() as uow:
        if uow.users.by_username(username) is not None:
            raise error("USERNAME_TAKEN", username=username)
        if role is AccountRole.PERSON and uow.persons.get(subject) is None:
            raise error("PERSON_NOT_FOUND", field="subject")
        if role is AccountRole.HOSPITAL and uow.institutions.get(subject) is None:
            raise error("INSTITUTION_NOT_FOUND", subject=subject)
        _check_region(uow.regions, role, subject)
        return uow.users.add(UserAccount(0, username, role.value, subject, tuple(clean_duties), True, display_name,
                                         password_hash or hash_password(password)))


def _user(found: UserAccount | None, username: str) -> UserAccount:
    if found is None:
        raise error("USER_NOT_FOUND", username=username)
    return found


def set_password(ctx: Context, username: str, password: str) -> None:
    _check_password(password)
    with ctx.uow() as uow:
        user = _user(uow.users.by_username(username), username)
        uow.users.set_password_hash(user.id, hash_password(password))
        # a new password ends every open session of the account
        uow.login_sessions.end_all_of(user.id, dt.datetime.now(dt.UTC))
    principals.forget()


def set_active(ctx: Context, username: str, active: bool) -> None:
    with ctx.uow() as uow:
        uow.users.set_active(_user(uow.users.by_username(username), username).id, active)
    principals.forget()  # this process stops honouring the account's tokens at once, not within the cache time


def list_users(ctx: Context) -> list[UserAccount]:
    with ctx.uow() as uow:
        return uow.users.all()


# --- page sessions -------------------------------------------------------------------------------------


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    sid: str  # the cookie value: shown once, stored only hashed
    principal: Principal


def start_session(ctx: Context, user_id: int, principal: Principal) -> Session:
    sid = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        uow.login_sessions.start(LoginSession(_sid_hash(sid), user_id,
                                              dt.datetime.now(dt.UTC) + dt.timedelta(hours=SESSION_HOURS)))
    return Session(sid, principal)


def session_principal(ctx: Context, sid: str) -> Principal | None:
    """The principal of a live session (not ended, not expired, account active), else None."""
    if not sid or len(sid) > 100:
        return None
    with ctx.uow() as uow:
        found = uow.login_sessions.get(_sid_hash(sid))
        if found is None or found.ended_at is not None or found.expires_at <= dt.datetime.now(dt.UTC):
            return None
        user = uow.users.by_id(found.user_id)
        return principal_of(user) if user is not None and user.active else None


def end_session(ctx: Context, sid: str) -> None:
    with ctx.uow() as uow:
        uow.login_sessions.end(_sid_hash(sid), dt.datetime.now(dt.UTC))
