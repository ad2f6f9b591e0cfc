"""Pages for the insured person: filings (file, mine, cancel, change, for a relative who confirmed a family
link), networked hospitals, a bill estimate, and manual claims (create, papers, submit, follow).

The filing form offers "本人" and each relative whose family link is confirmed (yidi.web.family_pages makes
the links); the choice is the link, never a typed ID number, and the filing service checks it again and
records who acted (`filed_by`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.responses import Response

from yidi.domain.enums import FilingType, InstitutionKind, Level, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.family import LinkState
from yidi.domain.filing_rules import FilingRequest
from yidi.domain.materials import FILING_MATERIAL_CODES, FILING_MATERIAL_NAMES, materials_for
from yidi.domain.validation import validate_model
from yidi.http.uploads import chosen, read_within
from yidi.services import claims, family, filings, reference, settlement
from yidi.services.access import Principal
from yidi.web import auth
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, lang, page, plain_params, problems, redirect
from yidi.web.forms import lines_from_text
from yidi.web.labels import choices, options

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
FILING_FIELDS = ("type", "treatment_area", "start", "end", "commitment", "materials", "institutions",
                 "admitted_on", "reason")


def _areas(request: Request) -> list[tuple[str, str]]:
    """Treatment areas to choose from: each province (whole province) and its regions."""
    packs = ctx_of(request).packs
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for r in sorted(packs.regions.values(), key=lambda x: x.code):
        prov = r.province
        if prov not in seen and r.province_name:
            seen.add(prov)
            out.append((prov, f"{r.province_name}（全省）"))
        out.append((r.code, f"{r.name}（{r.code}）"))
    return out


def _filing_form(form: dict[str, Any], materials: list[str]) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if k in FILING_FIELDS}
    data["materials"] = materials
    data["commitment"] = form.get("commitment") == "on"
    inst = form.get("institutions", "")
    data["institutions"] = [x.strip() for x in inst.replace("，", ",").split(",") if x.strip()]
    return data


def _check_filing(data: dict[str, Any]) -> FilingRequest:
    """The form's own checks, before the filing rules: the same model and codes as POST /api/v1/filings."""
    return validate_model(FilingRequest, data)


def _for_whom(request: Request, who: Principal, values: dict[str, Any]) -> str | None:
    """The relative's ID number for the link chosen on the form (None: for oneself)."""
    link_id = values.get("for_whom", "self")
    return None if link_id in ("", "self") else family.relative_id_number(ctx_of(request), who, link_id)


def _new_values(form: dict[str, Any] | None = None) -> dict[str, Any]:
    return form or {"materials": ["credential", "filing_form"], "commitment": "on", "for_whom": "self"}


def _filing_page(request: Request, values: dict[str, Any], errs: dict[str, Any], status: int = 200,
                 change_of: str | None = None) -> Response:
    types = choices("filing_type", FilingType, lang(request))
    needs = {t.value: [m for m in materials_for(t, True)] for t in FilingType}
    who = auth.principal(request)
    relatives = [] if who is None or change_of else \
        [v for v in family.my_family(ctx_of(request), who).relatives if v.link.state is LinkState.CONFIRMED]
    return page(request, "person/filing_new.html", status=status, values=values, problems=errs, types=types,
                areas=_areas(request), material_codes=FILING_MATERIAL_CODES, needs=needs, relatives=relatives,
                change_of=change_of, material_names=FILING_MATERIAL_NAMES)


@router.get("/me/filings", response_class=Response)
def my_filings(request: Request, who: Who, done: str = "") -> Response:
    found = filings.list_filings(ctx_of(request), who)
    return page(request, "person/filings.html", items=found.items, done=done)


@router.get("/me/filings/new", response_class=Response)
def new_filing_form(request: Request, who: Who, type: str = "", treatment_area: str = "") -> Response:
    """The form; the advisor's "去办理备案" carries the advised filing type and the city (only known values)."""
    values = _new_values()
    if type in {t.value for t in FilingType}:
        values["type"] = type
    if treatment_area in {code for code, _name in _areas(request)}:
        values["treatment_area"] = treatment_area
    return _filing_page(request, values, {})


@router.post("/me/filings/validate")
async def validate_filing(request: Request) -> JSONResponse:
    """Validation as you type: the form's problems by field, in the page's language (nothing is stored)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    data = _filing_form(values, [v for v in form.getlist("materials") if isinstance(v, str)])
    data = {k: v for k, v in data.items() if v not in ("", None)}
    en = request.cookies.get("lang") == "en"
    try:
        _check_filing(data)
        return JSONResponse({"ok": True, "problems": {}})
    except YidiError as err:
        out: dict[str, list[dict[str, str]]] = {}
        for p in err.problems:
            out.setdefault(p.field.split(".")[0], []).append(
                {"code": p.code, "message": p.message_en if en else p.message_zh})
        return JSONResponse({"ok": False, "problems": out})


async def _read_filing(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    mats = [v for v in form.getlist("materials") if isinstance(v, str)]
    values["materials"] = mats
    data = _filing_form(values, mats)
    data = {k: v for k, v in data.items() if v not in ("", None)}
    return values, data


@router.post("/me/filings", response_class=Response)
async def create_filing(request: Request, who: Who) -> Response:
    values: dict[str, Any] = {}
    try:
        values, data = await _read_filing(request)
        req = _check_filing(data)
        view = filings.file(ctx_of(request), who, req, _for_whom(request, who, values))
    except YidiError as err:
        return _filing_page(request, values or _new_values(), problems(err), status=err.status)
    # a filing made for a relative is theirs, and the filer follows it while the family link holds
    return redirect(f"/me/filings/{view.record.filing_id}?done=created")


@router.get("/me/filings/{filing_id}", response_class=Response)
def show_filing(request: Request, who: Who, filing_id: str, done: str = "") -> Response:
    try:
        view = filings.show(ctx_of(request), who, filing_id)
    except YidiError as err:
        return error_page(request, err)
    return page(request, "person/filing.html", f=view, history=view.events, receipt=False, done=done, problems={})


@router.post("/me/filings/{filing_id}/cancel", response_class=Response)
def cancel_filing(request: Request, who: Who, filing_id: str, reason: Annotated[str, Form()] = "") -> Response:
    try:
        filings.cancel(ctx_of(request), who, filing_id, reason.strip())
    except YidiError as err:
        if err.code == "FILING_NOT_FOUND":
            return error_page(request, err)
        view = filings.show(ctx_of(request), who, filing_id)
        return page(request, "person/filing.html", status=err.status, f=view, history=view.events, receipt=False,
                    done="", problems=problems(err), error=err)
    return redirect(f"/me/filings/{filing_id}?done=cancelled")


@router.get("/me/filings/{filing_id}/change", response_class=Response)
def change_form(request: Request, who: Who, filing_id: str) -> Response:
    try:
        r = filings.show(ctx_of(request), who, filing_id).record
    except YidiError as err:
        return error_page(request, err)
    values = {"type": r.type.value, "treatment_area": r.treatment_area, "start": "", "end": "",
              "commitment": "on" if r.commitment else "", "materials": list(r.materials),
              "institutions": ",".join(r.institutions), "reason": "", "for_whom": "self"}
    return _filing_page(request, values, {}, change_of=filing_id)


@router.post("/me/filings/{filing_id}/change", response_class=Response)
async def change_filing(request: Request, who: Who, filing_id: str) -> Response:
    values: dict[str, Any] = {}
    try:
        values, data = await _read_filing(request)
        req = _check_filing(data)
        _old, new = filings.change(ctx_of(request), who, filing_id, req)
    except YidiError as err:
        if err.code == "FILING_NOT_FOUND":
            return error_page(request, err)
        return _filing_page(request, values or _new_values(), problems(err), status=err.status, change_of=filing_id)
    return redirect(f"/me/filings/{new.record.filing_id}?done=changed")


# ------------------------------------------------------------------------------------------ hospitals


@router.get("/hospitals", response_class=Response)
def hospitals(request: Request, region: str = "", level: str = "", visit_type: str = "",
              chronic_disease: str = "", kind: str = "") -> Response:
    """找联网医院: open to everyone (no personal data)."""
    ctx = ctx_of(request)
    errs: dict[str, Any] = {}
    found = None
    try:
        for name, zh, value, allowed in (("level", "医院等级", level, Level), ("visit_type", "就诊类型", visit_type, VisitType),
                                         ("kind", "机构类别", kind, InstitutionKind)):
            if value not in ("", *allowed):
                raise error("FIELD_CHOICE", field=name, detail_zh=zh, detail_en=name)
        if region or level or visit_type or chronic_disease or kind:
            found = reference.find_institutions(
                ctx, region=region or None, level=Level(level) if level else None, networked=True, limit=200,
                visit_type=VisitType(visit_type) if visit_type else None, chronic_disease=chronic_disease or None,
                kind=InstitutionKind(kind) if kind else None)
    except YidiError as err:
        errs = problems(err)
    names = {c: r.name for c, r in ctx.packs.regions.items()}
    return page(request, "person/hospitals.html", status=422 if errs else 200, areas=_areas(request),
                region=region, level=level, visit_type=visit_type, chronic_disease=chronic_disease, found=found,
                kind=kind, kinds=choices("institution_kind", InstitutionKind, lang(request)),
                diseases=options("chronic_disease", lang(request)),
                names=names, problems=errs,
                levels=choices("level", Level, lang(request)), visit_types=choices("visit_type", VisitType, lang(request)))


# ------------------------------------------------------------------------------------------ claims


@router.get("/me/claims", response_class=Response)
def my_claims(request: Request, who: Who) -> Response:
    found = claims.list_claims(ctx_of(request), who)
    return page(request, "person/claims.html", found=found)


def _claim_new_page(request: Request, values: dict[str, Any], errs: dict[str, Any], status: int = 200) -> Response:
    ctx = ctx_of(request)
    insts = sorted(ctx.packs.institutions.values(), key=lambda i: i.code)
    return page(request, "person/claim_new.html", status=status, values=values, problems=errs,
                institutions=[(i.code, f"{i.name}（{i.code}）") for i in insts],
                visit_types=choices("visit_type", VisitType, lang(request)))


@router.get("/me/claims/new", response_class=Response)
def new_claim_form(request: Request, who: Who, visit: str = "") -> Response:
    """A new claim; `visit`: one of mine the hospital could not settle directly fills the form from it."""
    values: dict[str, Any] = {"visit_type": "INPATIENT"}
    if visit:
        try:
            values = {**settlement.claim_values(ctx_of(request), who, visit), "from_visit": visit}
        except YidiError as err:
            return error_page(request, err)
    return _claim_new_page(request, values, {})


def _claim_body(values: dict[str, str]) -> dict[str, Any]:
    visit = {k: values[k] for k in ("institution", "visit_type", "admitted_on", "discharged_on", "diagnosis_name",
                                    "reason_not_direct") if k in values}
    body: dict[str, Any] = {"visit": visit}
    if values.get("invoice_no") or values.get("invoice_amount"):
        body["invoices"] = [{"invoice_no": values.get("invoice_no", ""), "invoice_date": values.get("invoice_date", ""),
                             "amount": values.get("invoice_amount", ""), "payer": values.get("payer", "")}]
    if values.get("account_no") or values.get("bank_name"):
        body["bank"] = {"bank_name": values.get("bank_name", ""), "account_no": values.get("account_no", ""),
                        "holder": values.get("holder", "")}
    return body


@router.post("/me/claims", response_class=Response)
async def create_claim(request: Request, who: Who) -> Response:
    form = await request.form()
    values = form_dict(form)
    try:
        body = validate_model(claims.ClaimIn, _claim_body(values))
        if values.get("lines"):
            body = body.model_copy(update={"lines": lines_from_text(values["lines"])})
        view = claims.create(ctx_of(request), who, body)
    except YidiError as err:
        return _claim_new_page(request, values, problems(err), status=err.status)
    return redirect(f"/me/claims/{view['claim_no']}?done=created")


def _claim_page(request: Request, claim_no: str, who: Principal, errs: dict[str, Any] | None = None,
                status: int = 200, done: str = "") -> Response:
    try:
        view = claims.show(ctx_of(request), who, claim_no)
    except YidiError as err:
        return error_page(request, err)
    from yidi.domain.claim_rules import MATERIAL_NAMES

    return page(request, "person/claim.html", status=status, c=view, problems=errs or {}, done=done,
                material_names=MATERIAL_NAMES)


@router.get("/me/claims/{claim_no}", response_class=Response)
def show_claim(request: Request, who: Who, claim_no: str, done: str = "") -> Response:
    return _claim_page(request, claim_no, who, done=done)


async def _add_scan(request: Request, who: Principal, claim_no: str, material: str, scan: UploadFile | None) -> None:
    """One uploaded scan onto the claim (its size checked while reading, its content by the service)."""
    scan, name = chosen(scan)
    data = await read_within(scan, claims.ClaimsConfig.from_env().max_scan_bytes, "scan")
    claims.add_document(ctx_of(request), who, claim_no, material, name, scan.content_type, data)


@router.post("/me/claims/{claim_no}/documents", response_class=Response)
async def add_document(request: Request, who: Who, claim_no: str, material: Annotated[str, Form()] = "", scan: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        await _add_scan(request, who, claim_no, material, scan)
    except YidiError as err:
        return _claim_page(request, claim_no, who, problems(err), err.status)
    return redirect(f"/me/claims/{claim_no}?done=uploaded")


@router.post("/me/claims/{claim_no}/appeal", response_class=Response)
async def appeal_claim(request: Request, who: Who, claim_no: str, reason: Annotated[str, Form()] = "",
                       material: Annotated[str, Form()] = "other",
                       scan: Annotated[UploadFile | None, File()] = None) -> Response:
    """申请复核 in one form: the new scan (if one is chosen; one uploaded before counts too) and the reason."""
    try:
        body = validate_model(claims.ReasonIn, {"reason": reason})
        if scan is not None and scan.filename:
            await _add_scan(request, who, claim_no, material, scan)
        claims.appeal(ctx_of(request), who, claim_no, body.reason)
    except YidiError as err:
        return _claim_page(request, claim_no, who, problems(err), err.status)
    return redirect(f"/me/claims/{claim_no}?done=appealed")


@router.post("/me/claims/{claim_no}/fee-list", response_class=Response)
async def fee_list(request: Request, who: Who, claim_no: str,
                   upload: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        if upload is None or not upload.filename:
            raise error("FILE_MISSING", field="upload", detail_zh="费用明细文件（CSV 或 Excel）",
                            detail_en="the fee list (CSV or Excel)")
        data = await upload.read(claims.MAX_FEE_LIST_BYTES + 1)
        claims.upload_fee_list(ctx_of(request), who, claim_no, upload.filename, data)
    except YidiError as err:
        return _claim_page(request, claim_no, who, problems(err), err.status)
    return redirect(f"/me/claims/{claim_no}?done=lines")


@router.post("/me/claims/{claim_no}/submit", response_class=Response)
def submit_claim(request: Request, who: Who, claim_no: str) -> Response:
    try:
        claims.submit(ctx_of(request), who, claim_no)
    except YidiError as err:
        return _claim_page(request, claim_no, who, problems(err), err.status)
    return redirect(f"/me/claims/{claim_no}?done=submitted")

