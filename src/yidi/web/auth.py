"""Who is using the pages: the ONE mechanism of issue 8 (yidi.api.security), seen from the web layer.

- Log in: user name + password through `security.login` (rate-limited, scrypt), which sets the session
  cookie `yidi_session`; log out through `security.logout`.
- CSRF: every form carries `security.csrf_token(request)` (field `csrf`); every unsafe request made with the
  session cookie is checked by `security.check_csrf` — by the app-wide authorisation dependency before
  the page runs, and by `security.logout` itself for the public logout.
- Who may open which page: `yidi.api.authz.RULES` alone (the pages' entries are registered by
  `yidi.web.pages.mount`). A page receives the principal the authorisation layer established (`Who`);
  it never checks roles itself. What a signed-out visitor or a refused one sees (the login page, an HTML
  error page) is decided by the web layer's error handler (`yidi.web.pages.mount`).
- The demo start page offers one button per demo account, which submits that account's user name and the
  demo password through the same login form — only when the server runs the sample pack (the demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from yidi.api import security
from yidi.demo.accounts import DEMO_PASSWORD, DEMO_REGION, DESK_PREFIX
from yidi.demo.dataset import PERSONS
from yidi.services.access import Principal, Role

CSRF_FIELD = security.CSRF_FIELD
SESSION_COOKIE = security.SESSION_COOKIE


def principal(request: Request) -> Principal | None:
    """The principal the authorisation layer established for this request (None: nobody signed in)."""
    who: Principal | None = getattr(request.state, "principal", None)
    return who


async def signed_in(request: Request) -> Principal:
    """Page dependency: the caller. The app-wide `authorize` has already checked the route's rule, so this
    only hands the principal over (AUTH_REQUIRED if, against that, there is none)."""
    who = await security.optional_principal(request)
    if who is None:
        raise security.auth_required()
    return who


Who = Annotated[Principal, Depends(signed_in)]


def csrf_token(request: Request) -> str:
    return security.csrf_token(request)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: Role
    label_zh: str
    label_en: str
    note_zh: str
    password: str = DEMO_PASSWORD


def _person(key: str) -> str:
    return next(p.id_number for p in PERSONS if p.key == key)


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts the start page offers (made by the demo loader): two persons (one to show acting
    for a relative), a hospital desk, agency staff with all duties and with one duty each, a clearing operator."""
    post_hoc = next(p for p in PERSONS if p.key == "post_hoc")
    retiree = next(p for p in PERSONS if p.key == "retiree_resettled")
    return [
        DemoAccount(_person("post_hoc"), Role.PERSON, f"参保人 {post_hoc.name}", f"Insured person {post_hoc.name}",
                    post_hoc.note),
        DemoAccount(_person("retiree_resettled"), Role.PERSON, f"参保人 {retiree.name}",
                    f"Insured person {retiree.name}", retiree.note),
        DemoAccount(f"{DESK_PREFIX}H44010000001", Role.HOSPITAL, "医院医保办（广州）", "Hospital desk (Guangzhou)",
                    "机构编码 H44010000001：入院核验、结算、撤销、对账"),
        DemoAccount(f"agency-{DEMO_REGION}", Role.AGENCY, f"经办机构（{DEMO_REGION}，全部职责）",
                    f"Agency ({DEMO_REGION}, all duties)", "审核报销、支付、查看本统筹区备案、清算、政策"),
        DemoAccount(f"reviewer-{DEMO_REGION}", Role.AGENCY, "经办审核员", "Agency reviewer", "报销审核、备案审核"),
        DemoAccount(f"payer-{DEMO_REGION}", Role.AGENCY, "经办支付员", "Agency payer", "支付批次、清算确认"),
        DemoAccount(f"admin-{DEMO_REGION}", Role.AGENCY, "经办管理员", "Agency administrator", "运行清算、政策"),
        DemoAccount("clearing-national", Role.CLEARING, "全国清算", "National clearing operator", "运行、查看全国月度清算"),
    ]
