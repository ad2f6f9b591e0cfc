"""Page routes: the start page, the advisor's guided flow, sign-in, preferences; mounts the role pages.

`mount(app)` is the one call the app factory makes: it adds these routes, the person, hospital and agency
pages, and /static. Pages call the services directly (the same functions as the JSON API) with the
principal of the signed-in session, and show a YidiError's code and Chinese message next to the field it
names instead of a JSON body.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from yidi.advisor.plan import advise
from yidi.advisor.search import search
from yidi.domain.errors import YidiError
from yidi.services.access import Principal, Role
from yidi.web import advisor_view, auth
from yidi.web.common import (
    A11Y_COOKIE,
    HERE,
    LANG_COOKIE,
    ctx_of,
    error_page,
    page,
    problems,
    redirect,
    safe_next,
)

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600

# Questions people really ask, as starting points for those who do not know how to put it (sample).
EXAMPLES = (
    "我妈在北京住院了，没备案，现在还在住院",
    "退休了跟儿女在深圳住，看病怎么报销",
    "出差成都突发急症，没备案能报吗",
    "已经出院自己付了钱，回老家怎么报销",
    "异地就医报销比例是多少",
    "备案需要哪些材料",
)


@router.get("/", response_class=Response)
def start(request: Request) -> Response:
    ctx = ctx_of(request)
    demo = auth.demo_accounts() if ctx.packs.sample else []
    return page(request, "start.html", examples=EXAMPLES, demo=demo)


@router.get("/prefs", response_class=Response)
def prefs(request: Request, next: str = "/", lang: str | None = None, large: str | None = None) -> Response:
    """Language and large-text mode, kept in cookies for a year (a link, so it works without JS)."""
    resp = redirect(safe_next(next))
    if lang in ("zh", "en"):
        resp.set_cookie(LANG_COOKIE, lang, max_age=YEAR, samesite="lax", path="/")
    if large in ("0", "1"):
        resp.set_cookie(A11Y_COOKIE, "large" if large == "1" else "normal", max_age=YEAR, samesite="lax", path="/")
    return resp


@router.get("/advice", response_class=Response)
def advice(request: Request) -> Response:
    """异地就医助手: a question (q) pre-fills the situation; each answer adds a field; the plan follows."""
    ctx = ctx_of(request)
    params = dict(request.query_params)
    q = params.pop("q", "").strip()
    topics: list[dict[str, object]] = []
    try:
        if q:
            found = search(q, ctx.packs, 3)
            topics = found["topics"]
            # what the question says fills only what the person has not answered explicitly
            params = {**advisor_view.as_params(found["situation"]), **params}
        situation = advisor_view.situation_from(params)
        plan = advise(situation, ctx.packs, ctx.today())
    except YidiError as err:
        return page(request, "advice.html", status=err.status, q=q, topics=topics, plan=None, known={},
                    problems=problems(err), error=err, describe=advisor_view.describe, packs=ctx.packs,
                    labels=advisor_view.LABELS, params={})
    known = situation.known()
    known.pop("bill_lines", None)
    keep = advisor_view.as_params(known)
    undo = {k: "/advice?" + urlencode({x: y for x, y in keep.items() if x != k}) for k in keep}
    return page(request, "advice.html", q=q, topics=topics, plan=plan, known=known, params=keep, undo=undo,
                problems={}, error=None, describe=advisor_view.describe, packs=ctx.packs, labels=advisor_view.LABELS)


@router.get("/login", response_class=Response)
def login_form(request: Request, next: str = "/") -> Response:
    ctx = ctx_of(request)
    return page(request, "login.html", next=safe_next(next), demo=auth.demo_accounts() if ctx.packs.sample else [],
                problems={})


@router.post("/login", response_class=Response)
def login(request: Request, role: Annotated[str, Form()] = "", subject: Annotated[str, Form()] = "",
          next_url: Annotated[str, Form(alias="next")] = "/", csrf: Annotated[str, Form()] = "") -> Response:
    ctx = ctx_of(request)
    try:
        auth.check_csrf(request, csrf)
        if not ctx.packs.sample:
            raise YidiError("LOGIN_DEMO_ONLY", "演示登录只在演示环境开放", "demo sign-in exists only in the demo", "role", 403)
        account = next((a for a in auth.demo_accounts() if a.role.value == role and a.subject == subject), None)
        if account is None:
            raise YidiError("LOGIN_UNKNOWN", "没有这个演示账号", "no such demo account", "subject", 401)
    except YidiError as err:
        return page(request, "login.html", status=err.status, next=safe_next(next_url),
                    demo=auth.demo_accounts() if ctx.packs.sample else [], problems=problems(err))
    home = {Role.PERSON: "/me/filings", Role.HOSPITAL: "/desk", Role.AGENCY: "/agency/claims"}[account.role]
    resp = redirect(safe_next(next_url, home) if next_url not in ("", "/") else home)
    auth.sign_in(resp, Principal(account.role, account.subject))
    return resp


@router.post("/logout", response_class=Response)
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    try:
        auth.check_csrf(request, csrf)
    except YidiError as err:
        return error_page(request, err)
    resp = redirect("/")
    auth.sign_out(resp)
    return resp


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to an app (the app factory's one line for the web door)."""
    from yidi.web import agency_pages, hospital_pages, person_pages

    routers = (router, person_pages.router, hospital_pages.router, agency_pages.router)
    for r in routers:
        app.include_router(r)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _register_rules(routers)


def _register_rules(routers: tuple[APIRouter, ...]) -> None:
    """Tell the app-wide authorisation layer (yidi.api.authz, issue 8) about the pages, where it exists.

    Pages are open at that layer on purpose: each page checks the role itself so that a visitor who is
    not signed in is sent to the sign-in page (a page must not answer with a JSON 401), and every service
    it calls scopes the data by the principal again.
    """
    try:
        from yidi.api import authz
    except ImportError:  # before issue 8 there is no registry: the pages' own checks are all there is
        return
    for r in routers:
        for route in r.routes:
            path = getattr(route, "path", "")
            for m in getattr(route, "methods", ()) or ():
                if m != "HEAD":
                    authz.RULES.setdefault(f"{m} {path}", authz.PUBLIC)
