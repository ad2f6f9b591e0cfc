"""Authentication for every door of the HTTP app: who is calling, established once per request.

A request's principal comes from, in this order:
1. `Authorization: Bearer <token>` — a token from `POST /api/v1/auth/token` (yidi.api.auth) (OAuth2 password grant for
   persons, agency staff and clearing operators; client-credentials grant for hospitals, whose client id
   and secret are their API key), or a hospital API key `yk_<id>.<secret>` itself (also `X-Api-Key`);
2. the page session cookie `yidi_session` (made by `login()`; unsafe methods must carry the CSRF token in
   the `X-CSRF-Token` header or a `csrf_token` form field, and a cross-site Origin is refused);
3. the development headers `X-Yidi-Role` / `X-Yidi-Subject` (optional `X-Yidi-Duties`) — ONLY when the
   setting `YIDI_DEV_HEADERS=1` enables them (tests, local development). They are off by default, also for
   `yidi serve`: the demo is used through the demo accounts instead (docs/security.md).

Tokens are HMAC-SHA256 signed with a key derived from the secret of yidi.http.auth_config (YIDI_SECRET_KEY,
or a random secret kept beside the SQLite database); no published key signs anything. A token only names
its account: the principal used is the account row's current one (yidi.services.principals), and a token
whose claims no longer match its account is refused.
Whether the principal may use the route is decided afterwards by yidi.http.authz.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.ids import parse_citizen_id
from yidi.http.auth_config import AuthConfig
from yidi.http.threads import in_thread
from yidi.http.tokens import auth_invalid, b64, issue_token, read_token
from yidi.services import accounts, hospital_keys, principals
from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

log = logging.getLogger("yidi.security")

SESSION_COOKIE = "yidi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"  # the form field name the pages (src/yidi/web) already use
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
__all__ = ["AuthConfig", "Caller", "auth_invalid", "get_principal", "issue_token", "optional_principal", "read_token"]


def config_of(request: Request) -> AuthConfig:
    cfg: AuthConfig = request.app.state.auth
    return cfg


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


# --- errors ------------------------------------------------------------------------------------------


def auth_required() -> YidiError:
    return error("AUTH_REQUIRED", detail_zh="请提供 Authorization: Bearer 令牌或登录后访问",
                 detail_en="send Authorization: Bearer <token> or log in")


def csrf_failed() -> YidiError:
    return error("CSRF_FAILED", field=CSRF_FIELD)


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
    return _csrf_for(config_of(request), sid) if sid else ""


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
    if not sid or not sent or not hmac.compare_digest(sent, _csrf_for(config_of(request), sid)):
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


class _NeedsDatabase(Exception):
    """Raised by `_resolve(…, in_memory=True)` when the answer needs a database read: resolve again in a thread."""


def _key_principal(ctx: Context, key: str, in_memory: bool) -> Principal:
    """A hospital API key as a principal: the institution its (verified, unrevoked) row names."""
    inst = hospital_keys.remembered(key) if in_memory else hospital_keys.verify(ctx, key)
    if inst is None:
        raise _NeedsDatabase
    return principals.key_principal(key[len(hospital_keys.PREFIX):].partition(".")[0], inst)


def _resolve(ctx: Context, cfg: AuthConfig, request: Request, *, in_memory: bool) -> tuple[Principal | None, bool]:
    """(principal or None, whether it came from the session cookie). `in_memory`: answer only from what this
    process remembers (a key or token account checked within their cache time) and raise _NeedsDatabase
    otherwise, so that the common case runs without a hop to the thread pool; the answer is the same."""
    authz = request.headers.get("authorization")
    if authz:
        scheme, _, cred = authz.partition(" ")
        cred = cred.strip()
        if scheme.lower() != "bearer" or not cred:
            raise auth_invalid("Authorization 头格式应为 Bearer <令牌>", "Authorization must be Bearer <token>")
        if cred.startswith(hospital_keys.PREFIX):
            return _key_principal(ctx, cred, in_memory), False
        claimed, account = read_token(cfg, cred)
        principal = (principals.remembered if in_memory else principals.current)(ctx, account, claimed)
        if principal is None:
            if in_memory:
                raise _NeedsDatabase
            # disabled, revoked, gone, or changed since the token was issued
            raise auth_invalid("账号已停用、密钥已吊销或账号信息已变更，请重新登录",
                               "account disabled, key revoked or account changed since the token was issued; log in again")
        return principal, False
    api_key = request.headers.get("x-api-key")
    if api_key:
        return _key_principal(ctx, api_key.strip(), in_memory), False
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        if in_memory:
            raise _NeedsDatabase
        from_session = accounts.session_principal(ctx, sid)
        if from_session is not None:
            return from_session, True
    if cfg.dev_headers:
        role, subject = request.headers.get("x-yidi-role"), request.headers.get("x-yidi-subject")
        if role or subject:
            if not role or not subject:
                raise error("AUTH_REQUIRED", field="X-Yidi-Role", detail_zh="请提供 X-Yidi-Role 和 X-Yidi-Subject",
                            detail_en="send X-Yidi-Role and X-Yidi-Subject")
            return _dev_principal(role, subject, request.headers.get("x-yidi-duties")), False
    return None, False


async def optional_principal(request: Request) -> Principal | None:
    """The caller's principal, or None when the request carries no credentials (public routes)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    ctx, cfg = context_of(request), config_of(request)
    try:  # no credentials, dev headers, or a key or token checked within their cache time: no hop to a thread
        principal, via_cookie = _resolve(ctx, cfg, request, in_memory=True)
    except _NeedsDatabase:
        principal, via_cookie = await in_thread(_resolve, ctx, cfg, request, in_memory=False)
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


def client_host(request: Request) -> str:
    return request.client.host if request.client else ""


async def login(request: Request, response: Response, username: str, password: str) -> Principal:
    """Check a user name and password (rate-limited), start a session and set its cookie on `response`.

    The login form is protected against cross-site posting by the same-origin check (no session exists
    yet to bind a CSRF token to). Raises LOGIN_FAILED (401), LOGIN_RATE_LIMITED (429) or CSRF_FAILED (403).
    """
    if not _same_origin(request):
        raise csrf_failed()
    ctx, cfg = context_of(request), config_of(request)
    user_id, principal = await in_thread(accounts.authenticate, ctx, username, password, client=client_host(request))
    session = await in_thread(accounts.start_session, ctx, user_id, principal)
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
        await in_thread(accounts.end_session, context_of(request), sid)
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_csrf_token(sid: str, cfg: AuthConfig) -> str:
    """The CSRF token of a session id (for tests and for a page rendered right after login)."""
    return _csrf_for(cfg, sid)
