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

Tokens are HMAC-SHA256 signed with a key derived from the secret of yidi.api.auth_config (YIDI_SECRET_KEY,
or a random secret kept beside the SQLite database); no published key signs anything. A token only names
its account: the principal used is the account row's current one (yidi.services.principals), and a token
whose claims no longer match its account is refused.
Whether the principal may use the route is decided afterwards by yidi.api.authz.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from pydantic import BaseModel, Field

from yidi.api.auth_config import AuthConfig
from yidi.api.errors import ErrorOut
from yidi.api.json_body import JsonRoute
from yidi.api.tokens import auth_invalid, b64, issue_token, read_token
from yidi.domain.errors import YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.services import accounts, hospital_keys, principals
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

log = logging.getLogger("yidi.security")

SESSION_COOKIE = "yidi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"  # the form field name the pages (src/yidi/web) already use
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
__all__ = ["AuthConfig", "Caller", "auth_invalid", "get_principal", "issue_token", "optional_principal", "read_token"]


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


def csrf_failed() -> YidiError:
    return YidiError("CSRF_FAILED", "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试",
                     "CSRF check failed: reload the page and try again", CSRF_FIELD, 403)


def forget_accounts() -> None:
    """Drop the remembered account states (after disabling a user or revoking a key in this process)."""
    principals.forget()


# --- CSRF --------------------------------------------------------------------------------------------


def _csrf_for(cfg: AuthConfig, sid: str) -> str:
    return b64(hmac.new(cfg.key("csrf"), sid.encode(), hashlib.sha256).digest())


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


def _key_principal(ctx: Context, key: str) -> Principal:
    """A hospital API key as a principal: the institution its (verified, unrevoked) row names."""
    inst = hospital_keys.verify(ctx, key)
    return principals.key_principal(key[len(hospital_keys.PREFIX):].partition(".")[0], inst)


def _resolve_sync(ctx: Context, cfg: AuthConfig, request: Request) -> tuple[Principal | None, bool]:
    """(principal or None, whether it came from the session cookie)."""
    authz = request.headers.get("authorization")
    if authz:
        scheme, _, cred = authz.partition(" ")
        cred = cred.strip()
        if scheme.lower() != "bearer" or not cred:
            raise auth_invalid("Authorization 头格式应为 Bearer <令牌>", "Authorization must be Bearer <token>")
        if cred.startswith(hospital_keys.PREFIX):
            return _key_principal(ctx, cred), False
        claimed, account = read_token(cfg, cred)
        principal = principals.current(ctx, account, claimed)
        if principal is None:  # disabled, revoked, gone, or changed since the token was issued
            raise auth_invalid("账号已停用、密钥已吊销或账号信息已变更，请重新登录",
                               "account disabled, key revoked or account changed since the token was issued; log in again")
        return principal, False
    api_key = request.headers.get("x-api-key")
    if api_key:
        return _key_principal(ctx, api_key.strip()), False
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
    """End the session of this request (if any) and clear its cookie.

    Logging out is an unsafe request made with the session cookie like any other: it needs the session's
    CSRF token and a same-site origin (CSRF_FAILED, 403), or another site could sign a person out at will."""
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        await check_csrf(request)
        await run_in_threadpool(accounts.end_session, _ctx(request), sid)
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_csrf_token(sid: str, cfg: AuthConfig) -> str:
    """The CSRF token of a session id (for tests and for a page rendered right after login)."""
    return _csrf_for(cfg, sid)


# --- the token endpoint and who-am-I -----------------------------------------------------------------

router = APIRouter(prefix="/auth", tags=["auth 认证"], route_class=JsonRoute)
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
    return principals.key_principal(key_id, inst), f"k:{key_id}"


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
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


@router.post("/session", response_model=MeOut, responses=_RATE_LIMITED, summary="登录（页面会话）Log in: sets the session cookie")
async def session_login(request: Request, response: Response, body: LoginIn) -> MeOut:
    p = await login(request, response, body.username, body.password)
    return MeOut(role=p.role.value, subject=p.shown, duties=sorted(p.duties), user=p.user)


@router.post("/logout", status_code=204, summary="退出登录 Log out: ends the session")
async def session_logout(request: Request, response: Response) -> Response:
    await logout(request, response)
    response.status_code = 204
    return response
