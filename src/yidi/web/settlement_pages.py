"""Settlement pages a person keeps: my settlement history (or a linked relative's) and the slip (结算单) to print
or save, opened by the person or by the hospital desk that settled it (yidi.services.settlement.history)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from yidi.domain.amounts import AMOUNT_LABELS, PART_FIELDS
from yidi.domain.errors import YidiError
from yidi.domain.family import Act, LinkState
from yidi.services import family, settlement
from yidi.services.access import Role
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, page, plain_params

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])
PAPERS = ("a4", "80mm")  # the slip prints on A4 or on an 80 mm receipt printer


@router.get("/me/settlements", response_class=Response)
def my_settlements(request: Request, who: Who, relative: str = "") -> Response:
    """我的结算记录: mine, or (relative = a confirmed link's id) the relative's; the choice is the link."""
    ctx = ctx_of(request)
    try:
        id_number = family.relative_id_number(ctx, who, relative, Act.SETTLEMENTS) if relative else None
        found = settlement.person_settlements(ctx, who, id_number)
    except YidiError as err:
        return error_page(request, err)
    links = [v for v in family.my_family(ctx, who).relatives if v.link.state is LinkState.CONFIRMED]
    # a claim pays the person's own account: visits to claim for are shown for oneself only
    unsettled = [] if relative else settlement.unsettled_visits(ctx, who)
    return page(request, "person/settlements.html", found=found, relatives=links, relative=relative,
                unsettled=unsettled)


def _slip(request: Request, who: Who, setl_id: str, paper: str) -> Response:
    try:
        s = settlement.slip(ctx_of(request), who, setl_id)
    except YidiError as err:
        return error_page(request, err)
    back = f"/desk/settlements/{setl_id}" if who.role is Role.HOSPITAL else "/me/settlements"
    here = f"/desk/settlements/{setl_id}/slip" if who.role is Role.HOSPITAL else f"/me/settlements/{setl_id}"
    values: dict[str, Any] = {"s": s, "b": s.breakdown, "parts": PART_FIELDS, "labels": AMOUNT_LABELS,
                              "paper": paper if paper in PAPERS else "a4", "back": back, "here": here}
    return page(request, "slip.html", **values)


@router.get("/me/settlements/{setl_id}", response_class=Response)
def my_slip(request: Request, who: Who, setl_id: str, paper: str = "a4") -> Response:
    return _slip(request, who, setl_id, paper)


@router.get("/desk/settlements/{setl_id}/slip", response_class=Response)
def desk_slip(request: Request, who: Who, setl_id: str, paper: str = "a4") -> Response:
    return _slip(request, who, setl_id, paper)
