"""Authentication for every door of the HTTP app: who is calling, established once per request.

A request's principal comes from, in this order:
1. `Authorization: Bearer <token>` — a token from `POST /api/v1/auth/token` (OAuth2 password grant for
   persons, agency staff and clearing operators; client-credentials grant for hospitals, whose client id
   and secret are their API key), or a hospital API key `yk_<id>.<secret>` itself (also `X-Api-Key`);
2. the page session cookie `yidi_session` (made by `login()`; unsafe methods must carry the CSRF token in
   the `X-CSRF-Token` header or a `csrf_token` form field, and a cross-site Origin is refused);
3. the development headers `X-Yidi-Role` / `X-Yidi-Subject` (optional `X-Yidi-Duties`) — ONLY when the
   setting `YIDI_DEV_HEADERS=1` enables them (tests, local development). They are off by default, also for
   `yidi serve`: the demo is used through the demo accounts instead (docs/security.md).

Tokens are HMAC-SHA256 signed with a key derived from `YIDI_SECRET_KEY`; nothing else signs anything. When
the variable is unset, a fixed development key is used only for the embedded SQLite demo or with dev
headers on (a warning is logged); on PostgreSQL without it the app refuses to start.
Whether the principal may use the route is decided afterwards by yidi.api.authz.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from pydantic import BaseModel

from yidi.api.errors import ErrorOut
from yidi.domain.errors import YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.services import accounts, hospital_keys
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.settlement_models import HospitalKeyRow

log = logging.getLogger("yidi.security")

TOKEN_PREFIX = "yt1."
TOKEN_MINUTES = 60
SESSION_COOKIE = "yidi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"  # the form field name the pages (src/yidi/web) already use
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Known to everyone who reads this file: usable only where nothing real is at stake (see AuthConfig.from_env).
DEV_SECRET = "yidi-development-key-NOT-FOR-PRODUCTION"


@dataclass(frozen=True)
class AuthConfig:
    """What authentication needs from configuration: the signing secret and whether dev headers count."""

    secret: bytes
    dev_headers: bool = False
    secure_cookies: bool = False  # set the Secure flag (behind HTTPS)
    token_minutes: int = TOKEN_MINUTES
    dev_secret: bool = False

    @classmethod
    def from_env(cls, database_url: str) -> AuthConfig:
        """`YIDI_SECRET_KEY` (required on PostgreSQL), `YIDI_DEV_HEADERS=1`, `YIDI_SECURE_COOKIES=1`."""
        dev_headers = os.environ.get("YIDI_DEV_HEADERS", "").strip().lower() in ("1", "true", "yes", "on")
        secure = os.environ.get("YIDI_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes", "on")
        key = os.environ.get("YIDI_SECRET_KEY", "")
        if key:
            if len(key) < 16:
                raise YidiError("CONFIG_SECRET_WEAK", "YIDI_SECRET_KEY 太短（至少16个字符）",
                                "YIDI_SECRET_KEY is too short (at least 16 characters)", "YIDI_SECRET_KEY", 400)
            return cls(key.encode(), dev_headers, secure)
        if database_url.startswith("sqlite") or dev_headers:
            log.warning("YIDI_SECRET_KEY is not set: using the development key (demo / tests only)")
            return cls(DEV_SECRET.encode(), dev_headers, secure, dev_secret=True)
        raise YidiError("CONFIG_SECRET_MISSING", "未设置 YIDI_SECRET_KEY：生产数据库上必须配置签名密钥",
                        "YIDI_SECRET_KEY is not set: a signing secret is required on a production database",
                        "YIDI_SECRET_KEY", 400)

    def key(self, purpose: str) -> bytes:
        # one secret, separate keys per use: a CSRF token can never pass as an access token
        return hmac.new(self.secret, f"yidi:{purpose}".encode(), hashlib.sha256).digest()


def _config(request: Request) -> AuthConfig:
    cfg: AuthConfig = request.app.state.auth
    return cfg


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


# --- errors ------------------------------------------------------------------------------------------


def auth_required() -> YidiError:
    return YidiError("AUTH_REQUIRED", "需要登录：请提供 Authorization: Bearer 令牌或登录后访问",
                     "authentication required: send Authorization: Bearer <token> or log in", "Authorization", 401)


def auth_invalid(zh: str = "令牌无效或已过期，请重新获取", en: str = "invalid or expired token; get a new one",
                 field: str = "Authorization") -> YidiError:
    return YidiError("AUTH_INVALID", zh, en, field, 401)


def csrf_failed() -> YidiError:
    return YidiError("CSRF_FAILED", "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试",
                     "CSRF check failed: reload the page and try again", CSRF_FIELD, 403)


# --- signed tokens -----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(cfg: AuthConfig, principal: Principal, *, account: str, now: float | None = None) -> tuple[str, int]:
    """A signed bearer token for a principal; `account` is `u:<user id>` or `k:<hospital key id>`."""
    now = time.time() if now is None else now
    ttl = cfg.token_minutes * 60
    payload = {"r": principal.role.value, "s": principal.subject, "d": sorted(principal.duties),
               "n": principal.user, "a": account, "iat": int(now), "exp": int(now) + ttl}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    sig = _b64(hmac.new(cfg.key("token"), body.encode(), hashlib.sha256).digest())
    return f"{TOKEN_PREFIX}{body}.{sig}", ttl


def read_token(cfg: AuthConfig, token: str, *, now: float | None = None) -> tuple[Principal, str]:
    """The principal and account a token names, or AUTH_INVALID (bad signature, malformed, expired)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 2000:
        raise auth_invalid()
    body, _, sig = token[len(TOKEN_PREFIX):].partition(".")
    want = _b64(hmac.new(cfg.key("token"), body.encode(), hashlib.sha256).digest())
    if not sig or not hmac.compare_digest(sig, want):
        raise auth_invalid()
    try:
        p = json.loads(_unb64(body))
        principal = Principal(Role(p["r"]), str(p["s"]), frozenset(Duty(d) for d in p["d"]), str(p["n"]))
        exp, account = int(p["exp"]), str(p["a"])
    except (ValueError, KeyError, TypeError):
        raise auth_invalid() from None
    if exp <= (time.time() if now is None else now):
        raise auth_invalid("令牌已过期，请重新获取", "token expired; get a new one")
    return principal, account


# Whether the account behind a token is still usable (user active, key not revoked), remembered briefly so
# a busy client costs one query per half minute, not one per request; a disabled account stops within that.
_ALIVE_SECONDS = 30.0
_alive: dict[str, tuple[bool, float]] = {}
_alive_lock = threading.Lock()


def _account_alive(ctx: Context, account: str) -> bool:
    now = time.monotonic()
    with _alive_lock:
        hit = _alive.get(account)
    if hit is not None and hit[1] > now:
        return hit[0]
    kind, _, ident = account.partition(":")
    ok = False
    if kind == "u" and ident.isdigit():
        ok = accounts.active_user(ctx, int(ident)) is not None
    elif kind == "k":
        with unit_of_work(ctx.sessions) as s:
            row = s.get(HospitalKeyRow, ident)
            ok = row is not None and row.revoked_at is None
    with _alive_lock:
        if len(_alive) > 10_000:
            _alive.clear()
        _alive[account] = (ok, now + _ALIVE_SECONDS)
    return ok


def forget_accounts() -> None:
    """Drop the remembered account states (after disabling a user or revoking a key in this process)."""
    with _alive_lock:
        _alive.clear()


# --- CSRF --------------------------------------------------------------------------------------------


def _csrf_for(cfg: AuthConfig, sid: str) -> str:
    return _b64(hmac.new(cfg.key("csrf"), sid.encode(), hashlib.sha256).digest())


def csrf_token(request: Request) -> str:
    """The CSRF token a page puts in its forms (hidden field `csrf_token`) or sends as X-CSRF-Token.

    Bound to the session (an HMAC of its id), so nothing is stored; empty when there is no session (the
    login form itself is protected by the same-origin check and the SameSite=Lax cookie)."""
    sid = request.cookies.get(SESSION_COOKIE, "")
    return _csrf_for(_config(request), sid) if sid else ""


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Referer)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    host = request.headers.get("host", "")
    rest = origin.split("://", 1)[-1]
    return rest.split("/", 1)[0] == host


async def check_csrf(request: Request) -> None:
    """For a cookie-authenticated unsafe request: same origin and a valid CSRF token, else CSRF_FAILED."""
    if request.method not in UNSAFE:
        return
    if not _same_origin(request):
        raise csrf_failed()
    sid = request.cookies.get(SESSION_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sid or not sent or not hmac.compare_digest(sent, _csrf_for(_config(request), sid)):
        raise csrf_failed()


# --- the principal -----------------------------------------------------------------------------------

# For OpenAPI only (so /docs shows the lock and the "Authorize" dialog); the real reading is below.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False,
                                     description="password grant (persons, staff) or client_credentials (hospitals)")
session_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="page session (with CSRF token)")


def _dev_principal(role: str, subject: str, duties: str | None) -> Principal:
    """The placeholder principal of issue 3, trusted as given (dev headers enabled)."""
    try:
        r = Role(role.strip().lower())
    except ValueError:
        raise auth_invalid(f"不认识的身份类型“{role}”（可用 person/hospital/agency/clearing）",
                           f"unknown role {role!r} (person, hospital, agency or clearing)", "X-Yidi-Role") from None
    subject = subject.strip()
    if r is Role.PERSON:
        try:
            subject = parse_citizen_id(subject, "X-Yidi-Subject").number
        except YidiError as exc:
            raise auth_invalid(f"身份主体无效：{exc.message_zh}", f"invalid subject: {exc.message_en}",
                               "X-Yidi-Subject") from None
    elif r in (Role.AGENCY, Role.CLEARING) and (len(subject) != 6 or not subject.isdigit()):
        raise auth_invalid("经办机构/清算的身份主体应为6位区划编码", "an agency or clearing subject must be a 6-digit region code",
                           "X-Yidi-Subject")
    elif r is Role.HOSPITAL and not (0 < len(subject) <= 30 and subject.isalnum()):
        raise auth_invalid("医疗机构的身份主体应为机构编码", "a hospital subject must be an institution code", "X-Yidi-Subject")
    held: frozenset[Duty] = frozenset()
    if r is Role.AGENCY:
        # no X-Yidi-Duties: every duty, as before duties existed (keeps the placeholder's tests meaning the same)
        try:
            held = frozenset(Duty) if duties is None else frozenset(Duty(d.strip()) for d in duties.split(",") if d.strip())
        except ValueError:
            raise auth_invalid("职责无效（reviewer/payer/administrator）", "unknown duty (reviewer, payer, administrator)",
                               "X-Yidi-Duties") from None
    return Principal(r, subject, held, f"dev:{r.value}")


def _resolve_sync(ctx: Context, cfg: AuthConfig, request: Request) -> tuple[Principal | None, bool]:
    """(principal or None, whether it came from the session cookie)."""
    authz = request.headers.get("authorization")
    if authz:
        scheme, _, cred = authz.partition(" ")
        cred = cred.strip()
        if scheme.lower() != "bearer" or not cred:
            raise auth_invalid("Authorization 头格式应为 Bearer <令牌>", "Authorization must be Bearer <token>")
        if cred.startswith(hospital_keys.PREFIX):
            inst = hospital_keys.verify(ctx, cred)
            return Principal(Role.HOSPITAL, inst, user=f"key:{cred[3:].partition('.')[0]}"), False
        principal, account = read_token(cfg, cred)
        if not _account_alive(ctx, account):
            raise auth_invalid("账号已停用或密钥已吊销", "account disabled or key revoked")
        return principal, False
    api_key = request.headers.get("x-api-key")
    if api_key:
        inst = hospital_keys.verify(ctx, api_key.strip())
        return Principal(Role.HOSPITAL, inst, user=f"key:{api_key.strip()[3:].partition('.')[0]}"), False
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        from_session = accounts.session_principal(ctx, sid)
        if from_session is not None:
            return from_session, True
    if cfg.dev_headers:
        role, subject = request.headers.get("x-yidi-role"), request.headers.get("x-yidi-subject")
        if role or subject:
            if not role or not subject:
                raise YidiError("AUTH_REQUIRED", "需要身份：请提供 X-Yidi-Role 和 X-Yidi-Subject",
                                "authentication required: send X-Yidi-Role and X-Yidi-Subject", "X-Yidi-Role", 401)
            return _dev_principal(role, subject, request.headers.get("x-yidi-duties")), False
    return None, False


async def optional_principal(request: Request) -> Principal | None:
    """The caller's principal, or None when the request carries no credentials (public routes)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal, via_cookie = await run_in_threadpool(_resolve_sync, _ctx(request), _config(request), request)
    if via_cookie:
        await check_csrf(request)
    request.state.principal = principal
    return principal


async def get_principal(
    request: Request,
    _token: Annotated[str | None, Depends(oauth2_scheme)] = None,
    _session: Annotated[str | None, Depends(session_scheme)] = None,
) -> Principal:
    """The caller's principal, or AUTH_REQUIRED (401). Every route that needs a caller depends on this."""
    principal = await optional_principal(request)
    if principal is None:
        raise auth_required()
    return principal


Caller = Annotated[Principal, Depends(get_principal)]


# --- page sessions: what the web pages call ------------------------------------------------------------


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


async def login(request: Request, response: Response, username: str, password: str) -> Principal:
    """Check a user name and password (rate-limited), start a session and set its cookie on `response`.

    The login form is protected against cross-site posting by the same-origin check (no session exists
    yet to bind a CSRF token to). Raises LOGIN_FAILED (401), LOGIN_RATE_LIMITED (429) or CSRF_FAILED (403).
    """
    if not _same_origin(request):
        raise csrf_failed()
    ctx, cfg = _ctx(request), _config(request)
    user_id, principal = await run_in_threadpool(accounts.authenticate, ctx, username, password, client=_client(request))
    session = await run_in_threadpool(accounts.start_session, ctx, user_id, principal)
    response.set_cookie(SESSION_COOKIE, session.sid, max_age=accounts.SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=cfg.secure_cookies, path="/")
    request.state.principal = principal
    return principal


async def logout(request: Request, response: Response) -> None:
    """End the session of this request (if any) and clear its cookie."""
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await run_in_threadpool(accounts.end_session, _ctx(request), sid)
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_csrf_token(sid: str, cfg: AuthConfig) -> str:
    """The CSRF token of a session id (for tests and for a page rendered right after login)."""
    return _csrf_for(cfg, sid)


# --- the token endpoint and who-am-I -----------------------------------------------------------------

router = APIRouter(prefix="/auth", tags=["auth 认证"])
_RATE_LIMITED: dict[int | str, dict[str, Any]] = {429: {"model": ErrorOut, "description": "LOGIN_RATE_LIMITED"}}


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    subject: str
    duties: list[str]


class MeOut(BaseModel):
    role: str
    subject: str
    duties: list[str]
    user: str


def _grant_error(zh: str, en: str, field: str = "grant_type") -> YidiError:
    return YidiError("GRANT_INVALID", zh, en, field, 400)


def _client_credentials(ctx: Context, request: Request, client_id: str, client_secret: str) -> tuple[Principal, str]:
    account_key = f"k:{client_id}"
    accounts.check_rate(account_key, _client(request))
    key_id = client_id.removeprefix(hospital_keys.PREFIX)
    try:
        inst = hospital_keys.verify(ctx, f"{hospital_keys.PREFIX}{key_id}.{client_secret}")
    except YidiError:
        accounts.record_failure(account_key, _client(request))
        raise YidiError("CLIENT_INVALID", "客户端标识或密钥错误", "wrong client id or secret", "client_secret", 401) from None
    return Principal(Role.HOSPITAL, inst, user=f"key:{key_id}"), f"k:{key_id}"


@router.post("/token", response_model=TokenOut, responses=_RATE_LIMITED, summary="获取访问令牌 OAuth2 token (password / client_credentials)")
def token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=40)],
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenOut:
    """`grant_type=password` with `username`, `password` (persons, agency staff, clearing operators);
    `grant_type=client_credentials` with `client_id` (the hospital key id) and `client_secret` (its secret),
    in the form or as HTTP Basic. Failed attempts are rate-limited per account and per client address."""
    ctx, cfg = _ctx(request), _config(request)
    if grant_type == "password":
        if not username or not password:
            raise _grant_error("密码模式需要 username 和 password", "password grant needs username and password", "username")
        user_id, principal = accounts.authenticate(ctx, username, password, client=_client(request))
        account = f"u:{user_id}"
    elif grant_type == "client_credentials":
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(basic[6:].strip()).decode().partition(":")
            except ValueError:
                raise _grant_error("Basic 认证头无效", "malformed Basic authorization", "Authorization") from None
        if not client_id or not client_secret:
            raise _grant_error("客户端模式需要 client_id 和 client_secret",
                               "client_credentials grant needs client_id and client_secret", "client_id")
        principal, account = _client_credentials(ctx, request, client_id, client_secret)
    else:
        raise _grant_error(f"不支持的授权类型“{grant_type}”（可用 password / client_credentials）",
                           f"unsupported grant_type {grant_type!r} (password or client_credentials)")
    access, ttl = issue_token(cfg, principal, account=account)
    return TokenOut(access_token=access, expires_in=ttl, role=principal.role.value, subject=principal.shown,
                    duties=sorted(principal.duties))


@router.get("/me", response_model=MeOut, summary="当前身份 Who am I")
def me(caller: Caller) -> MeOut:
    return MeOut(role=caller.role.value, subject=caller.shown, duties=sorted(caller.duties), user=caller.user)


class LoginIn(BaseModel):
    username: str
    password: str


@router.post("/session", response_model=MeOut, responses=_RATE_LIMITED, summary="登录（页面会话）Log in: sets the session cookie")
async def session_login(request: Request, response: Response, body: LoginIn) -> MeOut:
    p = await login(request, response, body.username, body.password)
    return MeOut(role=p.role.value, subject=p.shown, duties=sorted(p.duties), user=p.user)


@router.post("/logout", status_code=204, summary="退出登录 Log out: ends the session")
async def session_logout(request: Request, response: Response) -> Response:
    await logout(request, response)
    response.status_code = 204
    return response
