"""The pharmacy counter page (药店收银台, phone width): a purchase's pre-settlement and settlement.

The same use cases as /api/v1/pharmacy (2101 / 2102) with the pharmacy principal of the session: the form
carries a message id and an idempotency key made when it was shown, so a double click or a reload
registers and settles the purchase once. The receipt and its revocation are the desk's settlement page.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from yidi.domain.amounts import AMOUNT_LABELS
from yidi.domain.errors import YidiError
from yidi.domain.validation import validate_model
from yidi.services import pharmacy
from yidi.services import settlement as svc
from yidi.web.auth import Who
from yidi.web.common import ctx_of, error_page, form_dict, lang, page, plain_params, problems, redirect
from yidi.web.forms import lines_from_text
from yidi.web.labels import options

router = APIRouter(include_in_schema=False, dependencies=[Depends(plain_params)])


def _counter(request: Request, values: dict[str, Any], status: int = 200, **more: Any) -> Response:
    values = {"msgid": f"PG{secrets.token_hex(8).upper()}", "idempotency_key": secrets.token_hex(12), **values}
    return page(request, "hospital/counter.html", status=status, values=values, labels=AMOUNT_LABELS,
                diseases=options("chronic_disease", lang(request)), **{"problems": {}, "quote": None, **more})


@router.get("/counter", response_class=Response)
def counter(request: Request, who: Who) -> Response:
    try:
        pharmacy.pharmacy(ctx_of(request), who)
    except YidiError as err:
        return error_page(request, err)
    return _counter(request, {})


@router.post("/counter", response_class=Response)
async def pre_settle(request: Request, who: Who) -> Response:
    """2101: register (once per form), upload the lines, show what settling gives."""
    values = form_dict(await request.form())
    try:
        body = validate_model(pharmacy.PurchaseIn, {
            "id_number": values.get("id_number", ""), "name": values.get("name", ""), "msgid": values.get("msgid", ""),
            "lines": lines_from_text(values.get("lines", "")), "chronic_disease": values.get("chronic_disease") or None,
            "use_account": values.get("use_account") == "on"})
        q = pharmacy.pre_settle(ctx_of(request), who, body)
    except YidiError as err:
        if err.code in ("FORBIDDEN", "ROLE_NOT_ALLOWED"):
            return error_page(request, err)
        return _counter(request, values, status=err.status, problems=problems(err))
    return _counter(request, values, quote=q)


@router.post("/counter/{mdtrt_id}/settle", response_class=Response)
async def settle(request: Request, who: Who, mdtrt_id: str) -> Response:
    """2102: settle with the form's idempotency key; the receipt is the desk's settlement page."""
    values = form_dict(await request.form())
    try:
        body = validate_model(svc.SettleIn, {"idempotency_key": values.get("idempotency_key", ""),
                                             "use_account": values.get("use_account") == "on"})
        done = pharmacy.settle(ctx_of(request), who, mdtrt_id, body)
    except YidiError as err:
        if err.status in (403, 404):
            return error_page(request, err)
        return _counter(request, values, status=err.status, problems=problems(err))
    return redirect(f"/desk/settlements/{done.setl_id}?done=settled")
