"""Page routes: the start page, the advisor's guided flow, login and logout, preferences; mounts the role pages.

`mount(app)` is the one call the app factory makes: it adds these routes, the person, hospital and agency
pages, /static, and the page error handler. Who may open a page is decided by yidi.http.authz.RULES, like
every API route (the pages' rules are written there). Pages call the services directly (the same
functions as the JSON API) with the principal of the session, and show a YidiError's code and Chinese
message next to the field it names instead of a JSON body.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import FileResponse, Response

from yidi.advisor.plan import advise
from yidi.advisor.search import search
from yidi.domain.error_catalogue import error
from yidi.domain.errors import Problem, YidiError
from yidi.http import security
from yidi.http.threads import in_thread
from yidi.services import accounts, profile
from yidi.services.access import Principal, Role
from yidi.web import advisor_view, auth
from yidi.web.common import (
    A11Y_COOKIE,
    HERE,
    LANG_COOKIE,
    ctx_of,
    error_page,
    may,
    page,
    plain_params,
    problems,
    redirect,
    safe_next,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
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
    return page(request, "start.html", examples=EXAMPLES, demo=_demo(request))


@router.get("/favicon.ico", response_class=Response)
def favicon() -> Response:
    # browsers ask for /favicon.ico whatever the page links; the one icon is the SVG the pages link
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


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
    """异地就医助手: a question (q) pre-fills the situation; each answer adds a field; the plan follows.
    A signed-in person's account gives the insured region, scheme and category, over what the question says."""
    ctx = ctx_of(request)
    params = dict(request.query_params)
    q = params.pop("q", "").strip()
    topics: list[dict[str, object]] = []
    account = {k: v for k, v in profile.own_situation(ctx, auth.principal(request)).items() if k not in params}
    try:
        said: dict[str, str] = {}
        if q:
            found = search(q, ctx.packs, 3)
            topics, said = found["topics"], advisor_view.as_params(found["situation"])
        # what the question says fills only what the account and the person's explicit answers leave open
        params = {**said, **account, **params}
        situation = advisor_view.situation_from(params)
        plan = advise(situation, ctx.packs, ctx.today())
    except YidiError as err:
        return page(request, "advice.html", status=err.status, q=q, topics=topics, plan=None, known={},
                    problems=problems(err), error=err, describe=advisor_view.describe, packs=ctx.packs,
                    labels=advisor_view.LABELS, params={}, account={})
    known = situation.known()
    known.pop("bill_lines", None)
    keep = advisor_view.as_params(known)
    undo = {k: "/advice?" + urlencode({x: y for x, y in keep.items() if x != k}) for k in keep}
    return page(request, "advice.html", q=q, topics=topics, plan=plan, known=known, params=keep, undo=undo,
                problems={}, error=None, describe=advisor_view.describe, packs=ctx.packs, labels=advisor_view.LABELS,
                account=account)


# each role's first page; agency staff land on the first their duties open (review, payment, clearing…)
HOMES = {Role.PERSON: ("/me/filings",), Role.HOSPITAL: ("/desk",), Role.CLEARING: ("/agency/clearing",),
         Role.AGENCY: ("/agency/claims", "/agency/payments", "/agency/clearing", "/agency/filings")}


def home_of(who: Principal) -> str:
    return next((u for u in HOMES.get(who.role, ()) if may(who, f"GET {u}")), "/")


def _demo(request: Request) -> list[Any]:
    """The demo's one-click logins the assembly handed over (yidi.app), only while the sample pack is served."""
    logins: list[Any] = getattr(request.app.state, "demo_logins", [])
    return logins if ctx_of(request).packs.sample else []


@router.get("/login", response_class=Response)
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", next=safe_next(next), demo=_demo(request), values={}, problems={})


@router.post("/login", response_class=Response)
async def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                next_url: Annotated[str, Form(alias="next")] = "/") -> Response:
    """User name + password through security.login (the one login of issue 8): session cookie, then home."""
    resp = redirect("/")
    try:
        if len(username) > 64 or len(password) > 200:
            raise error("FIELD_TOO_LONG")
        if not username.strip() or not password:
            raise YidiError.of([p for p in (
                Problem("FIELD_MISSING", "username", "请填写用户名", "enter your user name") if not username.strip() else None,
                Problem("FIELD_MISSING", "password", "请填写密码", "enter your password") if not password else None) if p])
        old = request.cookies.get(auth.SESSION_COOKIE)
        if old:  # a new login ends the session this browser had (switching accounts leaves none behind)
            await in_thread(accounts.end_session, ctx_of(request), old)
        who = await security.login(request, resp, username.strip(), password)
    except YidiError as err:
        answer = page(request, "login.html", status=err.status, next=safe_next(next_url), demo=_demo(request),
                      values={"username": username.strip()}, problems=problems(err))
        if err.retry_after is not None:  # 429: when the browser (or a script) may try again
            answer.headers["Retry-After"] = str(err.retry_after)
        return answer
    home = home_of(who)
    resp.headers["location"] = safe_next(next_url, home) if next_url not in ("", "/") else home
    return resp


@router.post("/logout", response_class=Response)
async def logout(request: Request) -> Response:
    resp = redirect("/")
    try:
        await security.logout(request, resp)  # checks the CSRF token of the session it ends
    except YidiError as err:
        return error_page(request, err)
    return resp


def mount(app: FastAPI) -> None:
    """Add the pages and their static files to an app (the app factory's one line for the web door)."""
    from yidi.web import (
        agency_filings,
        agency_pages,
        chronic_pages,
        clearing_pages,
        credential_pages,
        desk_lines,
        estimate_pages,
        family_pages,
        hospital_pages,
        person_pages,
        pharmacy_pages,
        settlement_pages,
        statistics_pages,
    )

    routers = (router, person_pages.router, estimate_pages.router, family_pages.router, chronic_pages.router,
               settlement_pages.router, credential_pages.router, hospital_pages.router, desk_lines.router,
               pharmacy_pages.router, agency_pages.router, agency_filings.router, clearing_pages.router,
               statistics_pages.router)
    for r in routers:
        app.include_router(r)
    _install_page_errors(app, routers)


def mount_static(app: FastAPI) -> None:
    """/static, mounted before every other route: the router tries routes in order, so a static file would
    otherwise be matched against all ~200 API and page patterns first (0.4 ms of CPU per file, measured)."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def page_endpoints(routers: tuple[APIRouter, ...]) -> set[Any]:
    return {getattr(route, "endpoint", None) for r in routers for route in r.routes} - {None}


def _install_page_errors(app: FastAPI, routers: tuple[APIRouter, ...]) -> None:
    """Errors of page routes as pages: signed out (401) -> the login page, refused (403) -> an HTML page.

    The authorisation layer (yidi.http.authz) decides and raises the same errors for pages as for the API;
    only how they are shown differs: a person must land on the login form, not on a JSON 401. Errors of
    the API's routes keep the JSON handler installed by yidi.http.errors."""
    endpoints = page_endpoints(routers)
    json_handler = app.exception_handlers[YidiError]

    async def handler(request: Request, exc: Exception) -> Response:
        route = request.scope.get("route")
        if not isinstance(exc, YidiError) or getattr(route, "endpoint", None) not in endpoints:
            answer = json_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if exc.status == 401:
            return redirect("/login?" + urlencode({"next": _back_to(request)}))
        return error_page(request, exc)

    app.add_exception_handler(YidiError, handler)
    http_json = app.exception_handlers[StarletteHTTPException]

    async def not_found(request: Request, exc: Exception) -> Response:
        """An unknown page address gets a page saying so; API (and static, docs) addresses keep JSON."""
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and _is_page_path(request.url.path):
            return error_page(request, error("NOT_FOUND"))
        answer = http_json(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, not_found)


NOT_PAGES = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")


def _is_page_path(path: str) -> bool:
    return not any(path == p.rstrip("/") or path.startswith(p) for p in NOT_PAGES)


def _back_to(request: Request) -> str:
    """Where to go after logging in: this page, or for a form post the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    ref = urlsplit(request.headers.get("referer", ""))
    if ref.netloc == request.headers.get("host", "") and ref.path:
        return safe_next(ref.path + (f"?{ref.query}" if ref.query else ""))
    return "/"
