"""The API's own authentication routes: `POST /auth/token` (OAuth2 password and client-credentials grants),
`GET /auth/me`, and the page session's `POST /auth/session` and `POST /auth/logout` (yidi.http.security decides)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, Field

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.http import security
from yidi.http.errors import ErrorOut
from yidi.http.json_body import JsonRoute
from yidi.http.security import Caller
from yidi.http.tokens import issue_token
from yidi.services import accounts, hospital_keys, principals
from yidi.services.access import Principal
from yidi.services.context import Context

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
    return error("GRANT_INVALID", field=field, detail_zh=zh, detail_en=en)


def _client_credentials(ctx: Context, request: Request, client_id: str, client_secret: str) -> tuple[Principal, str]:
    account_key = f"k:{client_id}"
    accounts.check_rate(ctx, account_key, security.client_host(request))
    key_id = client_id.removeprefix(hospital_keys.PREFIX)
    try:
        inst = hospital_keys.verify(ctx, f"{hospital_keys.PREFIX}{key_id}.{client_secret}")
    except YidiError:
        accounts.record_failure(ctx, account_key, security.client_host(request))
        raise error("CLIENT_INVALID") from None
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
    ctx, cfg = security.context_of(request), security.config_of(request)
    if grant_type == "password":
        if not username or not password:
            raise _grant_error("密码模式需要 username 和 password", "password grant needs username and password", "username")
        user_id, principal = accounts.authenticate(ctx, username, password, client=security.client_host(request))
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
    p = await security.login(request, response, body.username, body.password)
    return MeOut(role=p.role.value, subject=p.shown, duties=sorted(p.duties), user=p.user)


@router.post("/logout", status_code=204, summary="退出登录 Log out: ends the session")
async def session_logout(request: Request, response: Response) -> Response:
    await security.logout(request, response)
    response.status_code = 204
    return response
