"""Pages of 门诊慢特病 certification: the person's (apply, add papers, resubmit, withdraw, follow — for oneself or,
`relative` = a confirmed family link's id, for that relative) and the insured region's agency queue (approve
with validity, return for material, reject with reason).

The same services as `/api/v1/me/chronic` and `/api/v1/chronic`. Disease names and states are shown in words
from the one label table (yidi.web.labels), disease codes only in a fold for auditors; a refused form is shown again with each problem beside its field.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from yidi.domain.chronic import CHRONIC_DISEASES, CertState
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import Act, LinkState
from yidi.domain.validation import validate_model
from yidi.http.uploads import chosen, read_within
from yidi.services import chronic, family
from yidi.services.claims import ClaimsConfig
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, lang, page, problems, redirect
from yidi.web.labels import choices, label

router = APIRouter(include_in_schema=False)
DONE = ("applied", "uploaded", "resubmit", "withdraw", "reviewed")
PERSON_ACTIONS = {"resubmit": chronic.resubmit, "withdraw": chronic.withdraw}


def _diseases(request: Request) -> list[tuple[str, str]]:
    """The form's disease options, named from the one label table in the page's language."""
    return [(code, label("chronic_disease", code, lang(request))) for code in CHRONIC_DISEASES]


def _whose(request: Request, who: Who, relative: str) -> str | None:
    """The relative's ID number a confirmed link grants (MAY_NOT_ACT_FOR_PERSON otherwise), or None for oneself."""
    return family.relative_id_number(ctx_of(request), who, relative, Act.CHRONIC) if relative else None


def _back(relative: str, done: str) -> str:
    return f"/me/chronic?done={done}" + (f"&relative={quote(relative, safe='')}" if relative else "")


def _mine(request: Request, who: Who, status: int = 200, relative: str = "", **more: Any) -> Response:
    ctx = ctx_of(request)
    try:
        certs = chronic.mine(ctx, who, _whose(request, who, relative))
    except YidiError as err:
        return error_page(request, err)
    links = [v for v in family.my_family(ctx, who).relatives if v.link.state is LinkState.CONFIRMED]
    return page(request, "person/chronic.html", status=status, certs=certs, relatives=links, relative=relative,
                diseases=_diseases(request), **{"values": {}, "problems": {}, "done": "", "failed": "", **more})


@router.get("/me/chronic", response_class=Response)
def mine(request: Request, who: Who, done: str = "", relative: str = "") -> Response:
    return _mine(request, who, relative=relative, done=done if done in DONE else "")


@router.post("/me/chronic", response_class=Response)
async def apply(request: Request, who: Who) -> Response:
    values = form_dict(await request.form())
    relative = values.get("relative", "")
    try:
        body = validate_model(chronic.ApplyIn, {
            **{k: values[k] for k in ("disease", "hospital", "diagnosed_on") if k in values},
            "id_number": _whose(request, who, relative)})
        chronic.apply(ctx_of(request), who, body)
    except YidiError as err:
        if err.code == "MAY_NOT_ACT_FOR_PERSON":
            return error_page(request, err)
        return _mine(request, who, status=err.status, relative=relative, values=values, problems=problems(err))
    return redirect(_back(relative, "applied"))


@router.post("/me/chronic/{cert_id}/papers", response_class=Response)
async def add_paper(request: Request, who: Who, cert_id: str, scan: Annotated[UploadFile | None, File()] = None,
                    relative: Annotated[str, Form(max_length=64)] = "") -> Response:
    try:
        scan, name = chosen(scan)
        cfg = ClaimsConfig.from_env()
        data = await read_within(scan, cfg.max_scan_bytes, "scan")
        chronic.add_paper(ctx_of(request), who, cert_id, name, scan.content_type, data, cfg)
    except YidiError as err:
        if err.status == 404:
            return error_page(request, err)
        return _mine(request, who, status=err.status, relative=relative, problems=problems(err), failed=cert_id)
    return redirect(_back(relative, "uploaded"))


@router.post("/me/chronic/{cert_id}/{action}", response_class=Response)
def person_act(request: Request, who: Who, cert_id: str, action: str,
               relative: Annotated[str, Form(max_length=64)] = "") -> Response:
    try:
        if action not in PERSON_ACTIONS:
            raise error("FIELD_CHOICE", detail_zh="没有这个操作", detail_en="no such action", field="action", status=404)
        PERSON_ACTIONS[action](ctx_of(request), who, cert_id)
    except YidiError as err:
        if err.status == 404:
            return error_page(request, err)
        return _mine(request, who, status=err.status, relative=relative, problems=problems(err), failed=cert_id)
    return redirect(_back(relative, action))


def _queue(request: Request, who: Who, state: str, status: int = 200, **more: Any) -> Response:
    chosen = CertState(state) if state in CertState.__members__ else CertState.APPLIED
    certs = chronic.queue(ctx_of(request), who, (chosen,), limit=100)
    return page(request, "agency/chronic.html", status=status, certs=certs, chosen=chosen.value,
                states=choices("cert_state", CertState, lang(request)),
                **{"values": {}, "problems": {}, "done": "", "failed": "", **more})


@router.get("/agency/chronic", response_class=Response)
def queue(request: Request, who: Who, state: str = "APPLIED", done: str = "") -> Response:
    return _queue(request, who, state, done=done if done in DONE else "")


@router.post("/agency/chronic/{cert_id}/review", response_class=Response)
async def review(request: Request, who: Who, cert_id: str) -> Response:
    values = form_dict(await request.form())
    try:
        body = validate_model(chronic.ReviewIn, {k: values[k] for k in ("decision", "valid_from", "valid_until", "reason")
                                                if k in values})
        chronic.review(ctx_of(request), who, cert_id, body)
    except YidiError as err:
        if err.status == 404:
            return error_page(request, err)
        return _queue(request, who, "APPLIED", status=err.status, values=values, problems=problems(err), failed=cert_id)
    return redirect("/agency/chronic?done=reviewed")
