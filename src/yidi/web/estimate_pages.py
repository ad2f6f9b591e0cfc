"""费用估算: the advisor's estimate of a bill (open to all), with a catalogue finder, so a patient who knows
"床位费" or "cwf" but not the item code S001 can build the fee lines. A signed-in person's estimate is kept
(yidi.services.estimates) and later shown beside the settlement of that visit."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from starlette.responses import Response

from yidi.advisor import estimate as estimates
from yidi.advisor.items import find_items
from yidi.domain.catalogue import CatalogueItem
from yidi.domain.enums import FilingType, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.services import claims, profile
from yidi.services import estimates as kept_estimates
from yidi.web import auth
from yidi.web.common import ctx_of, form_dict, lang, page, plain_params, problems
from yidi.web.forms import lines_from_text
from yidi.web.labels import choices

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
SAMPLE_LINES = "S001, 5, 60, 床位费\nXA01, 2, 35.5\nS002, 1, 3800, 冠状动脉造影"


def _estimate_page(request: Request, values: dict[str, Any], status: int = 200, **more: Any) -> Response:
    ctx = ctx_of(request)
    insts = sorted(ctx.packs.institutions.values(), key=lambda i: i.code)
    regions = sorted(ctx.packs.regions.values(), key=lambda r: r.code)
    return page(request, "person/estimate.html", status=status, values=values,
                institutions=[(i.code, f"{i.name}（{i.level.zh}）") for i in insts],
                regions=[(r.code, f"{r.name}（{r.code}）") for r in regions],
                schemes=choices("scheme", Scheme, lang(request)), visit_types=choices("visit_type", VisitType, lang(request)),
                types=choices("filing_type", FilingType, lang(request)),
                **{"problems": {}, "plan": None, "found": None, **more})


@router.get("/estimate", response_class=Response)
def estimate_form(request: Request) -> Response:
    """The form with a sample bill; a signed-in person's own insured region and scheme filled in."""
    own = profile.own_situation(ctx_of(request), auth.principal(request))
    return _estimate_page(request, {"insured_region": "369900", "scheme": "EMPLOYEE", "hospital": "H44010000001",
                                    "visit_type": "INPATIENT", "filed": "true", "filing_type": "OTHER_TEMPORARY",
                                    "lines": SAMPLE_LINES, **{k: v for k, v in own.items() if k != "category"}})


def _items(request: Request, values: dict[str, str]) -> list[CatalogueItem]:
    """The chosen hospital's region's catalogue items matching what was typed in 查找项目."""
    ctx = ctx_of(request)
    inst = ctx.packs.institutions.get(values.get("hospital", ""))
    catalogue = ctx.packs.catalogue_for(inst.region) if inst else None
    return find_items(catalogue, values.get("find", ""), ctx.today()) if catalogue else []


def line_of(item: CatalogueItem) -> str:
    """A fee line for the item: one unit at its price cap (0.00 when it has none: the person types the price)."""
    price = item.price_cap if item.price_cap is not None else Decimal("0.00")
    return f"{item.code}, 1, {price}, {item.name}"


@router.post("/estimate", response_class=Response)
async def estimate(request: Request, upload: Annotated[UploadFile | None, File()] = None) -> Response:
    """估算: the advisor's estimate, i.e. the settlement engine on these lines for this situation. The same form
    finds catalogue items (op=find) and adds one to the lines (add=<code>) without JavaScript."""
    ctx = ctx_of(request)
    form = await request.form()
    values = form_dict(form)
    if values.get("op") == "find" or values.get("add"):
        found = _items(request, values)
        added = next((it for it in found if it.code == values.get("add")), None)
        if added is not None:
            values["lines"] = "\n".join(x for x in (values.get("lines", "").rstrip(), line_of(added)) if x)
        return _estimate_page(request, values, found=found, line_of=line_of)
    try:
        name = upload.filename if upload is not None and upload.filename else ""
        data = await upload.read(claims.MAX_FEE_LIST_BYTES + 1) if upload is not None and name else b""
        if data:
            lines = claims.parse_fee_list(name, data, claims.MAX_FEE_LIST_BYTES)
        else:
            lines = lines_from_text(values.get("lines", ""))
        situation = estimates.situation_for(
            ctx.packs, insured_region=values.get("insured_region"), scheme=values.get("scheme"),
            category=values.get("category"), hospital=values.get("hospital"), visit_type=values.get("visit_type"),
            filed=values.get("filed") == "true", filing_type=values.get("filing_type"), lines=lines)
        plan, est = estimates.estimate(ctx.packs, ctx.today(), situation)
    except YidiError as err:
        return _estimate_page(request, values, status=err.status, problems=problems(err))
    # a signed-in person's estimate is kept, to be set beside the settlement of that visit
    kept = kept_estimates.keep(ctx, auth.principal(request), situation, est)
    return _estimate_page(request, values, plan=plan, est=est, kept=kept)
