"""What every page shares: the Jinja2 environment, language and large-text preferences, errors as page text.

Chinese is the page language; English is a preference kept in a cookie (`lang=en`). Templates write both
side by side with `t("中文", "English")`, so a sentence and its translation are read and reviewed together.
The large-text high-contrast mode (适老化) is the `a11y=large` cookie. Both work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse

from yidi.domain.amounts import AMOUNT_LABELS
from yidi.domain.errors import YidiError
from yidi.domain.ids import mask_id
from yidi.domain.money import from_fen
from yidi.domain.validation import checked_text
from yidi.http import authz, security
from yidi.services.access import Principal, Role
from yidi.web import auth
from yidi.web.labels import label

# pages and the API read the one context the same way
ctx_of = security.context_of

HERE = Path(__file__).parent
LANG_COOKIE = "lang"
A11Y_COOKIE = "a11y"

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "svg"]),
                  trim_blocks=True, lstrip_blocks=True)


def lang(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def large(request: Request) -> bool:
    return request.cookies.get(A11Y_COOKIE) == "large"


def fen(v: Any) -> Decimal:
    """A stored count of fen (None as 0) in yuan, for pages that show the clearing's integer columns."""
    return from_fen(int(v or 0))


def yuan(v: Any) -> str:
    """Money as people read it: ¥1,234.50 (values arrive as Decimal or as the API's strings)."""
    if v is None or v == "":
        return "—"
    d = Decimal(str(v))
    return f"¥{d:,.2f}"


def pct(v: Any) -> str:
    if v is None:
        return "—"
    d = Decimal(str(v)) * 100
    return f"{d.normalize():f}%"


env.filters["yuan"] = yuan
env.filters["pct"] = pct
env.filters["masked"] = mask_id
env.globals["amount_labels"] = AMOUNT_LABELS


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site paths: a crafted link must not send people elsewhere after a toggle or login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def may(who: Principal | None, key: str) -> bool:
    """Whether this principal may use the route "METHOD /path" — asked of the one registry (yidi.http.authz),
    so a page shows only the links and buttons that will work for the person looking at it."""
    rule = authz.RULES.get(key)
    return rule is not None and rule.allows(who)


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    lg = lang(request)
    who = auth.principal(request)

    def t(zh: str, en: str) -> str:
        return en if lg == "en" else zh

    regions = ctx_of(request).packs.regions

    def place(code: object) -> str:
        """A region (or province) as people read it: its name beside the code (广州市 440100); the code alone
        if unknown."""
        r = regions.get(str(code))
        if r is not None:
            return f"{r.name} {code}"
        prov = next((x.province_name for x in regions.values() if x.province == str(code) and x.province_name), "")
        return f"{prov} {code}" if prov else str(code)

    html = env.get_template(template).render(
        request=request, t=t, lang=lg, large=large(request), who=who, Role=Role,
        csrf=auth.csrf_token(request), csrf_field=auth.CSRF_FIELD,
        may=lambda key: may(who, key), label=lambda kind, code: label(kind, code, lg), place=place,
        path=request.url.path, full_path=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        today=ctx_of(request).today(), **values)
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    # 303: after a POST the browser follows with a GET, so a reload does not post the form again
    return RedirectResponse(url, status_code=303)


async def plain_params(request: Request) -> None:
    """Every page's path and query parameters hold no control character, and a path part no more than an id
    column does: /me/claims/%00 is a 4xx, never a database error (PostgreSQL cannot even compare a NUL).
    async: it only reads the request, so it runs without a hop to the thread pool."""
    for k, v in request.path_params.items():
        checked_text(str(v), k, 64)
    for k, v in request.query_params.multi_items():
        checked_text(v, k, 1000)


def problems(err: YidiError) -> dict[str, list[dict[str, str]]]:
    """An error's problems keyed by field (the form shows each next to its input; '' = the whole form)."""
    out: dict[str, list[dict[str, str]]] = {}
    for p in err.problems:
        out.setdefault(p.field.split(".")[0] if p.field else "", []).append(
            {"code": p.code, "field": p.field, "message_zh": p.message_zh, "message_en": p.message_en})
    return out


def error_page(request: Request, err: YidiError) -> HTMLResponse:
    return page(request, "error.html", status=err.status, error=err)


def form_dict(form: Mapping[str, Any], *skip: str) -> dict[str, str]:
    """Form fields as trimmed strings, empty ones left out (empty = not given, as in the JSON API)."""
    out: dict[str, str] = {}
    for k, v in form.items():
        if k in skip or k == auth.CSRF_FIELD or not isinstance(v, str):
            continue
        v = v.strip()
        if v:
            out[k] = v
    return out


def date_or_none(v: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(v) if v else None
    except ValueError:
        return None
