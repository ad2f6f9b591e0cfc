"""Who is using the pages: a signed session cookie per role, a CSRF token, and the demo accounts.

A thin adapter on purpose. Issue 8 brings the real login (yidi.api.security); until it lands the pages keep
their own signed cookie, and every page asks only `principal(request)` and `csrf_token(request)`, so the
switch touches this file alone. The demo login (pick an account, no password) is offered only when the
server runs on the sample policy pack, i.e. in the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response

from yidi.demo.dataset import PERSONS
from yidi.domain.errors import YidiError
from yidi.services.access import Principal, Role

SESSION_COOKIE = "yidi_page"  # not the API session cookie of issue 8: the two never read each other's
CSRF_COOKIE = "yidi_csrf"
CSRF_FIELD = "csrf"
# A per-process secret unless one is configured: sessions then end with a restart, which is what a demo wants.
_SECRET = (os.environ.get("YIDI_WEB_SECRET") or secrets.token_hex(32)).encode()


def _sign(value: str) -> str:
    return hmac.new(_SECRET, value.encode(), hashlib.sha256).hexdigest()[:32]


def principal(request: Request) -> Principal | None:
    """The signed-in principal, or None (a tampered or unknown cookie is simply no session)."""
    raw = request.cookies.get(SESSION_COOKIE, "")
    role, _, rest = raw.partition(":")
    subject, _, sig = rest.rpartition(":")
    if not (role and subject and sig) or not hmac.compare_digest(sig, _sign(f"{role}:{subject}")):
        return None
    try:
        return Principal(Role(role), subject)
    except ValueError:
        return None


def sign_in(response: Response, who: Principal) -> None:
    value = f"{who.role.value}:{who.subject}"
    response.set_cookie(SESSION_COOKIE, f"{value}:{_sign(value)}", httponly=True, samesite="lax", path="/")


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The token forms carry (double-submit: it must equal the cookie). Made once per browser."""
    token: str | None = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf = token
    return token


def keep_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request made a new token."""
    token = getattr(request.state, "csrf", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")


def check_csrf(request: Request, sent: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise YidiError("CSRF_INVALID", "页面已过期或来源不明，请刷新页面后重试", "the form expired or came from elsewhere; "
                        "reload the page and try again", CSRF_FIELD, 403)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    role: Role
    subject: str
    label_zh: str
    label_en: str
    note_zh: str


def _person(key: str) -> str:
    return next(p.id_number for p in PERSONS if p.key == key)


def demo_accounts() -> list[DemoAccount]:
    """One account per role (and a second person, to show acting for a relative)."""
    post_hoc = next(p for p in PERSONS if p.key == "post_hoc")
    retiree = next(p for p in PERSONS if p.key == "retiree_resettled")
    return [
        DemoAccount(Role.PERSON, _person("post_hoc"), f"参保人 {post_hoc.name}", f"Insured person {post_hoc.name}",
                    post_hoc.note),
        DemoAccount(Role.PERSON, _person("retiree_resettled"), f"参保人 {retiree.name}",
                    f"Insured person {retiree.name}", retiree.note),
        DemoAccount(Role.HOSPITAL, "H44010000001", "医院医保办（广州）", "Hospital desk (Guangzhou)",
                    "机构编码 H44010000001：入院核验、结算、撤销、对账"),
        DemoAccount(Role.AGENCY, "369900", "经办机构（参保地 369900）", "Agency (insured region 369900)",
                    "审核报销、查看本统筹区备案、清算、政策"),
    ]
