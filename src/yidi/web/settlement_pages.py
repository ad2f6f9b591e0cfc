"""Settlement pages a person keeps: my settlement history (or a linked relative's), my purchases at pharmacies
(购药记录, the same list narrowed to pharmacies) and the slip (结算单, a purchase's receipt) to print or save,
opened by the person or by the hospital desk that settled it (yidi.services.settlement.history); to the person,
their kept estimate of that visit beside it, with what changed and why (yidi.services.estimates)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from yidi.domain.amounts import AMOUNT_LABELS, PART_FIELDS
from yidi.domain.errors import YidiError
from yidi.domain.family import Act, LinkState
from yidi.services import estimates, family, settlement
from yidi.services.access import Role
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, page, plain_params

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
PAPERS = ("a4", "80mm")  # the slip prints on A4 or on an 80 mm receipt printer


def _history(request: Request, who: Who, relative: str, base: str) -> Response:
    """我的结算记录 (base /me/settlements) or 购药记录 (base /me/purchases): mine, or (relative = a confirmed link's
    id) the relative's; the choice is the link."""
    ctx = ctx_of(request)
    purchases = base == "/me/purchases"
    try:
        id_number = family.relative_id_number(ctx, who, relative, Act.SETTLEMENTS) if relative else None
        found = settlement.person_settlements(ctx, who, id_number, purchases=purchases)
    except YidiError as err:
        return error_page(request, err)
    links = [v for v in family.my_family(ctx, who).relatives if v.link.state is LinkState.CONFIRMED]
    # a claim pays the person's own account: visits to claim for are shown for oneself only
    unsettled = [] if relative or purchases else settlement.unsettled_visits(ctx, who)
    return page(request, "person/settlements.html", found=found, relatives=links, relative=relative,
                unsettled=unsettled, base=base, purchases=purchases)


@router.get("/me/settlements", response_class=Response)
def my_settlements(request: Request, who: Who, relative: str = "") -> Response:
    return _history(request, who, relative, "/me/settlements")


@router.get("/me/purchases", response_class=Response)
def my_purchases(request: Request, who: Who, relative: str = "") -> Response:
    """购药记录: the settlements made at pharmacies, each opening its receipt."""
    return _history(request, who, relative, "/me/purchases")


def _slip(request: Request, who: Who, setl_id: str, paper: str, base: str = "/me/settlements") -> Response:
    try:
        s = settlement.slip(ctx_of(request), who, setl_id)
    except YidiError as err:
        return error_page(request, err)
    # the person's own kept estimate beside it (none for a desk or a relative)
    beside = estimates.beside(ctx_of(request), who, setl_id) if who.role is Role.PERSON else None
    back = f"/desk/settlements/{setl_id}" if who.role is Role.HOSPITAL else base
    here = f"/desk/settlements/{setl_id}/slip" if who.role is Role.HOSPITAL else f"{base}/{setl_id}"
    values: dict[str, Any] = {"s": s, "b": s.breakdown, "parts": PART_FIELDS, "labels": AMOUNT_LABELS,
                              "paper": paper if paper in PAPERS else "a4", "back": back, "here": here,
                              "beside": beside}
    return page(request, "slip.html", **values)


@router.get("/me/settlements/{setl_id}", response_class=Response)
def my_slip(request: Request, who: Who, setl_id: str, paper: str = "a4") -> Response:
    return _slip(request, who, setl_id, paper)


@router.get("/me/purchases/{setl_id}", response_class=Response)
def my_receipt(request: Request, who: Who, setl_id: str, paper: str = "a4") -> Response:
    """A purchase's receipt: its slip, back to the purchases."""
    return _slip(request, who, setl_id, paper, "/me/purchases")


@router.get("/desk/settlements/{setl_id}/slip", response_class=Response)
def desk_slip(request: Request, who: Who, setl_id: str, paper: str = "a4") -> Response:
    return _slip(request, who, setl_id, paper)
